using System.Net.WebSockets;
using Confer.Cluster.Nodes;
using Confer.Cluster.Tests.Support;
using Confer.Server.Hosting;
using static Confer.Cluster.Tests.Placement.LoadPlacementTests;

namespace Confer.Cluster.Tests.Placement;

/// <summary>A CPU reading set by the test (the nodes of one process would all report the same real one).</summary>
internal sealed class SetCpu : ICpuGauge
{
    private double _fraction;

    public double Fraction
    {
        get => Volatile.Read(ref _fraction);
        set => Volatile.Write(ref _fraction, value);
    }

    public void Sample()
    {
    }
}

/// <summary>Three nodes that place new rooms by load alone (no local slack), with the shipped CPU limit (85 %) and slack (15 points), each with a CPU the test sets.</summary>
public sealed class CpuNodes : ThreeNodes
{
    internal List<SetCpu> Cpu { get; } = [];

    protected override void Configure(ServerOptions options)
    {
        options.Cluster.LocalSlack = 0;
        options.Cluster.MaxCpu = 85;
        options.Cluster.CpuSlack = 15;
        options.Cluster.LoadRefresh = TimeSpan.FromMilliseconds(200);
        var cpu = new SetCpu();
        Cpu.Add(cpu);
        options.Cluster.Cpu = cpu;
    }
}

[Collection("cluster")]
public sealed class CpuPlacementTests(CpuNodes cluster) : IClassFixture<CpuNodes>
{
    [Fact]
    public async Task NewRooms_AvoidBusyNodes_AndAreRefusedWhenEveryNodeIsOverTheCpuLimit()
    {
        var (a, b, c) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);

        // a is over the limit, b is 40 points busier than c: every new room goes to c, whichever node is asked.
        await SetAsync(0.95, 0.50, 0.10);
        var hosts = await PlaceAsync("hot");
        Assert.All(hosts, h => Assert.Equal(c.Silo, h));

        // b comes within the slack of c: CPU counts as equal, so rooms spread over b and c by participants (a is still over).
        await SetAsync(0.95, 0.20, 0.10);
        hosts = await PlaceAsync("warm");
        Assert.DoesNotContain(a.Silo, hosts);
        Assert.Contains(b.Silo, hosts);
        Assert.Contains(c.Silo, hosts);

        // A reading that wobbles within the slack does not move the choice: the placed rooms decide, as before.
        await SetAsync(0.95, 0.10, 0.22);
        hosts = await PlaceAsync("wobble");
        Assert.Contains(b.Silo, hosts);
        Assert.Contains(c.Silo, hosts);

        // Every node over the limit: a new room is refused, on every node, with a sentence that says why.
        await SetAsync(0.90, 0.86, 0.99);
        foreach (var node in cluster.Nodes)
        {
            await using var refused = await SignalClient.ConnectAsync(node.HttpPort, Token($"overheated-{node.HttpPort}", "late"));
            var (code, reason) = await refused.Closed.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal((WebSocketCloseStatus)1013, code);
            Assert.Contains("CPU limit", reason);
        }

        // a cools down: the next new room goes there.
        await SetAsync(0.30, 0.86, 0.99);
        Assert.Equal(a.Silo, (await c.HostOfAsync("cooled")).Silo);
        Assert.Equal(a.Silo, (await b.HostOfAsync("cooled")).Silo);
    }

    /// <summary>Sets the three nodes' CPU and waits until every node has heard it.</summary>
    private async Task SetAsync(params double[] cpu)
    {
        for (var i = 0; i < cpu.Length; i++) cluster.Cpu[i].Fraction = cpu[i];
        await Until(() => cluster.Nodes.All(n => cluster.Nodes.Select((o, i) => n.LoadSeen(o).Cpu == cpu[i]).All(x => x)));
    }

    /// <summary>Two new rooms asked for on each node; the nodes they were placed on.</summary>
    private async Task<List<string>> PlaceAsync(string prefix)
    {
        var hosts = new List<string>();
        foreach (var node in cluster.Nodes)
            for (var i = 0; i < 2; i++) hosts.Add((await node.HostOfAsync($"{prefix}-{node.HttpPort}-{i}")).Silo);
        return hosts;
    }
}
