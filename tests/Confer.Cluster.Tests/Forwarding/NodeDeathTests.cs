using System.Diagnostics;
using System.Net.WebSockets;
using Confer.Cluster.Tests.Support;
using Confer.Server.Tests.Hosting;
using Confer.Signaling.Auth;
using Xunit.Abstractions;

namespace Confer.Cluster.Tests.Forwarding;

/// <summary>
/// Forwarding when a node dies or hangs (<c>kill -9</c> or <c>SIGSTOP</c> of a real <c>confer serve</c> process): a socket whose room was on the dead
/// node is told to join again and can, on a live node; a participant whose socket was on the dead node leaves its room
/// (on a live node) after its resume grace.
/// </summary>
[Collection("cluster")]
public sealed class NodeDeathTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private RedisProcess? _redis;
    private readonly List<ClusterNode> _nodes = [];

    public async Task InitializeAsync()
    {
        _redis = await RedisProcess.StartAsync();
        for (var i = 0; i < 2; i++) _nodes.Add(await ClusterNode.StartAsync(_redis.Uri, o => o.Signaling.ResumeGrace = ShortGraceNodes.Grace));
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        _redis?.Dispose();
    }

    [Theory]
    [InlineData("KILL")]
    [InlineData("STOP")]
    public async Task RoomsNode_KilledOrHung_ForwardedSocketToldToJoinAgain_AndJoinsOnALiveNode(string signal)
    {
        await using var serve = await ServeNode.StartAsync(_redis!, _nodes);
        var b = _nodes[0];
        await using var alice = await SignalClient.ConnectAsync(serve.HttpPort, Token("crash", "alice"));
        await alice.ExpectAsync("join", Wait); // the room is on the process node
        await using var bob = await SignalClient.ConnectAsync(b.HttpPort, Token("crash", "bob"));
        await bob.ExpectAsync("join", Wait);
        Assert.Equal(1, b.Forwarded("crash"));

        var clock = Stopwatch.StartNew();
        DrainClient.Signal(serve.Process.Pid, signal);
        await bob.ExpectAsync("reconnect", TimeSpan.FromSeconds(20));
        var told = clock.Elapsed;
        Assert.Equal((WebSocketCloseStatus)1012, (await bob.Closed.WaitAsync(Wait)).Code);
        output.WriteLine($"SIG{signal} of the room's node: the forwarded socket was told to join again after {told.TotalMilliseconds:0} ms");
        // A hang is found by missed probes only: it gets the hang detection's margin (FailureDetectionTests).
        Assert.True(told < TimeSpan.FromSeconds(signal == "STOP" ? 12 : 10), $"took {told.TotalSeconds:0.0} s");
        Assert.Equal(0, b.Forwarded("crash"));

        // As the SDK does: join again through a live node; the room finds a live node.
        await using var again = await SignalClient.ConnectAsync(b.HttpPort, Token("crash", "bob"));
        await again.ExpectAsync("join", Wait);
        Assert.Equal(b.Silo, (await _nodes[1].HostOfAsync("crash")).Silo);
    }

    [Fact]
    public async Task ForwardingNode_Killed_ItsParticipantLeavesTheRoomAfterItsGrace()
    {
        await using var serve = await ServeNode.StartAsync(_redis!, _nodes);
        var a = _nodes[0];
        await using var alice = await SignalClient.ConnectAsync(a.HttpPort, Token("forwarder-crash", "alice"));
        await alice.ExpectAsync("join", Wait); // the room is on a
        await using var bob = await SignalClient.ConnectAsync(serve.HttpPort, Token("forwarder-crash", "bob"));
        await bob.ExpectAsync("join", Wait);
        await alice.ExpectAsync("participantJoined", Wait);
        Assert.Equal(1, a.Remote("forwarder-crash"));

        var clock = Stopwatch.StartNew();
        serve.Kill();
        var left = await alice.ExpectAsync("participantLeft", f => f.GetProperty("identity").GetString() == "bob", TimeSpan.FromSeconds(20));
        var elapsed = clock.Elapsed;
        output.WriteLine($"kill -9 of the forwarding node: its participant left the room after {elapsed.TotalMilliseconds:0} ms " +
            $"(death detection, then a resume grace of {ShortGraceNodes.Grace.TotalSeconds:0} s)");
        Assert.Equal("disconnected", left.GetProperty("reason").GetString());
        Assert.True(elapsed >= ShortGraceNodes.Grace, "the participant left before its resume grace ended");
        Assert.Equal((0, 1), (a.Remote("forwarder-crash"), a.Participants("forwarder-crash")));
    }

    private static string Token(string room, string identity) =>
        AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, identity, new VideoGrant { Room = room, RoomJoin = true },
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
}
