using System.Diagnostics;
using Confer.Cluster.Tests.Support;
using Confer.Server.Tests.Hosting;
using Confer.Signaling.Auth;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace Confer.Cluster.Tests.Membership;

/// <summary>
/// A node that crashes (<c>kill -9</c>) or hangs (<c>SIGSTOP</c>) is declared dead by the others within seconds, with the
/// failure detection Confer ships (ClusterHosting.TuneFailureDetection). The node under test is a real <c>confer serve</c>
/// process; the two that watch it run in this process.
/// </summary>
[Collection("cluster")]
public sealed class FailureDetectionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private RedisProcess? _redis;
    private readonly List<ClusterNode> _watchers = [];

    public async Task InitializeAsync()
    {
        _redis = await RedisProcess.StartAsync();
        for (var i = 0; i < 2; i++) _watchers.Add(await ClusterNode.StartAsync(_redis.Uri));
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _watchers) await node.DisposeAsync();
        _redis?.Dispose();
    }

    [Fact]
    public async Task Node_KilledWithSigkill_DeclaredDeadWithinEightSeconds()
    {
        var elapsed = await DeclaredDeadAfterAsync(serve => serve.Kill());
        output.WriteLine($"kill -9: declared dead after {elapsed.TotalMilliseconds:0} ms");
        Assert.True(elapsed < TimeSpan.FromSeconds(8), $"a crashed node took {elapsed.TotalSeconds:0.0} s to be declared dead");
    }

    [Fact]
    public async Task Node_StoppedWithSigstop_DeclaredDeadWithinTwelveSeconds()
    {
        var elapsed = await DeclaredDeadAfterAsync(serve => DrainClient.Signal(serve.Process.Pid, "STOP"));
        output.WriteLine($"SIGSTOP: declared dead after {elapsed.TotalMilliseconds:0} ms");
        Assert.True(elapsed < TimeSpan.FromSeconds(12), $"a hung node took {elapsed.TotalSeconds:0.0} s to be declared dead");
    }

    [Theory]
    [InlineData("KILL")]
    [InlineData("STOP")]
    public async Task Room_OfACrashedOrHungNode_PlacedOnALiveNodeWithinSeconds(string signal)
    {
        await using var serve = await StartServeNodeAsync();
        var watcher = _watchers[0];
        await using (var alice = await RtcSocket.ConnectAsync(serve.HttpPort, Token("failover", "alice")))
            await alice.ExpectAsync("join", TimeSpan.FromSeconds(10)); // the room is placed on the process node
        Assert.StartsWith($"{serve.ClusterEndPoint}@", (await watcher.HostOfAsync("failover")).Silo);

        var clock = Stopwatch.StartNew();
        DrainClient.Signal(serve.Process.Pid, signal);
        string? host = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                host = (await watcher.HostOfAsync("failover").WaitAsync(TimeSpan.FromSeconds(2))).Silo;
                if (host == watcher.Silo) break;
            }
            catch (Exception e) when (e is TimeoutException or Orleans.Runtime.OrleansException or Orleans.Runtime.SiloUnavailableException)
            {
                // the dead node's activation is still in the directory: the call times out until the node is declared dead
            }
            await Task.Delay(50);
        }
        var elapsed = clock.Elapsed;
        output.WriteLine($"SIG{signal} of the room's node: room placed on a live node after {elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(watcher.Silo, host);
        // Issue 17's goal is 10 s; a hang is detected by missed probes only, so it gets the hang detection's margin.
        var limit = TimeSpan.FromSeconds(signal == "STOP" ? 12 : 10);
        Assert.True(elapsed < limit, $"the room of a node sent SIG{signal} took {elapsed.TotalSeconds:0.0} s to find a live node");
        Assert.Equal(watcher.Silo, (await _watchers[1].HostOfAsync("failover")).Silo); // and every node sees the new one
    }

    /// <summary>Starts a third node as a process, does <paramref name="fail"/> to it once both watchers see it active, and times until both see it dead.</summary>
    private async Task<TimeSpan> DeclaredDeadAfterAsync(Action<ServeNode> fail)
    {
        await using var serve = await StartServeNodeAsync();
        var clock = Stopwatch.StartNew();
        fail(serve);
        Assert.True(await UntilAsync(() => _watchers.All(w => w.StatusOf(serve.ClusterEndPoint) == SiloStatus.Dead), TimeSpan.FromSeconds(60)),
            $"not declared dead within 60 s: {string.Join(", ", _watchers.Select(w => w.StatusOf(serve.ClusterEndPoint)))}");
        return clock.Elapsed;
    }

    private Task<ServeNode> StartServeNodeAsync() => ServeNode.StartAsync(_redis!, _watchers);

    private static string Token(string room, string identity) =>
        AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, identity, new VideoGrant { Room = room, RoomJoin = true },
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));

    private static Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout) => ServeNode.UntilAsync(condition, timeout);
}
