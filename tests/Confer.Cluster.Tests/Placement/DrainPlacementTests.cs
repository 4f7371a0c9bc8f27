using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Confer.Cluster.Tests.Support;
using Confer.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;
using static Confer.Cluster.Tests.Placement.LoadPlacementTests;

namespace Confer.Cluster.Tests.Placement;

/// <summary>Three nodes that place every new room on the least-loaded node, with no limit.</summary>
public sealed class BalancedNodes : ThreeNodes
{
    protected override void Configure(ServerOptions options)
    {
        options.Cluster.LocalSlack = 0;
        options.Cluster.LoadRefresh = TimeSpan.FromMilliseconds(200);
    }
}

[Collection("cluster")]
public sealed class DrainPlacementTests(BalancedNodes cluster, ITestOutputHelper output) : IClassFixture<BalancedNodes>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task DrainedNode_TakesNoNewRooms_ItsRoomsMoveAndItReportsEmpty()
    {
        var (a, b, c) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        using var http = new HttpClient { Timeout = Wait };
        var alice = await SignalClient.ConnectAsync(c.HttpPort, Token("on-c", "alice"));
        try
        {
            await alice.ExpectAsync("join", Wait);
            Assert.Equal(c.Silo, (await a.HostOfAsync("on-c")).Silo);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{c.HttpPort}/readyz")).StatusCode);

            // The drain a deploy starts (SIGTERM, `confer drain`): the host is stopping, its silo still serves the cluster.
            c.App.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync($"http://127.0.0.1:{c.HttpPort}/readyz")).StatusCode);

            // Its participant is told to join again; through the service (here: node a) its room is placed on a live node.
            var reconnect = await alice.ExpectAsync("reconnect", Wait);
            Assert.Equal("serverRestart", reconnect.GetProperty("reason").GetString());
            Assert.Equal((WebSocketCloseStatus)1012, (await alice.Closed.WaitAsync(Wait)).Code);
            await alice.DisposeAsync();
            var rejoin = Stopwatch.StartNew();
            alice = await SignalClient.ConnectAsync(a.HttpPort, Token("on-c", "alice"));
            await alice.ExpectAsync("join", Wait);
            output.WriteLine($"join again after the drain, through another node: {rejoin.Elapsed.TotalMilliseconds:0.0} ms to its join frame");
            var moved = (await b.HostOfAsync("on-c")).Silo;
            Assert.NotEqual(c.Silo, moved);
            Assert.Equal(1, a.Participants("on-c") + b.Participants("on-c"));

            // Every node learns that c drains; new rooms, asked for on any node (c too), go to a and b only.
            await Until(() => a.LoadSeen(c).Draining && b.LoadSeen(c).Draining);
            var hosts = new List<string>();
            foreach (var node in cluster.Nodes)
                for (var i = 0; i < 4; i++) hosts.Add((await node.HostOfAsync($"after-drain-{node.HttpPort}-{i}")).Silo);
            Assert.DoesNotContain(c.Silo, hosts);
            Assert.Contains(a.Silo, hosts);
            Assert.Contains(b.Silo, hosts);
            await using (var bob = await SignalClient.ConnectAsync(b.HttpPort, Token("new-during-drain", "bob")))
            {
                await bob.ExpectAsync("join", Wait);
                Assert.NotEqual(c.Silo, (await a.HostOfAsync("new-during-drain")).Silo);
            }

            // The drained node is empty, and says so to the others.
            Assert.Equal((0, 0, true), (c.Load.Rooms, c.Load.Participants, c.Load.Draining));
            await Until(() => a.LoadSeen(c) is { Rooms: 0, Participants: 0, Draining: true });
        }
        finally
        {
            await alice.DisposeAsync();
        }
    }
}
