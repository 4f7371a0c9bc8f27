using Confer.Cluster.Tests.Support;
using Confer.Server.Tests.Hosting;
using Confer.Server.Tests.Webhooks;
using Confer.Signaling.Auth;
using Xunit.Abstractions;

namespace Confer.Cluster.Tests.Webhooks;

/// <summary>
/// Webhooks fire once per event, whatever the number of nodes: every node has the same receiver, and only the room's
/// node emits its events (a node that forwards a socket holds no room, so it has nothing to report).
/// </summary>
[Collection("cluster")]
public sealed class WebhooksOnceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private RedisProcess? _redis;
    private HookReceiver? _receiver;
    private readonly List<ClusterNode> _nodes = [];

    public async Task InitializeAsync()
    {
        _redis = await RedisProcess.StartAsync();
        _receiver = await HookReceiver.StartAsync();
        for (var i = 0; i < 3; i++)
            _nodes.Add(await ClusterNode.StartAsync(_redis.Uri, o =>
            {
                o.Webhooks.Urls.Add(_receiver.Url);
                o.Webhooks.InitialBackoff = TimeSpan.FromMilliseconds(50);
                o.Signaling.EmptyTimeout = TimeSpan.FromSeconds(1);
            }));
        Assert.True(await _nodes[0].WaitActiveAsync(3, TimeSpan.FromSeconds(30)), "the three nodes did not form a cluster");
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        if (_receiver is not null) await _receiver.DisposeAsync();
        _redis?.Dispose();
    }

    [Fact]
    public async Task TwoParticipantsOnTwoNodes_JoinAndLeave_EachEventArrivesOnce()
    {
        var (a, b) = (_nodes[0], _nodes[1]);
        await using (var alice = await SignalClient.ConnectAsync(a.HttpPort, Token("once", "alice")))
        {
            await alice.ExpectAsync("join", Wait); // the room is on a
            await using var bob = await SignalClient.ConnectAsync(b.HttpPort, Token("once", "bob"));
            await bob.ExpectAsync("join", Wait);
            await alice.ExpectAsync("participantJoined", f => f.GetProperty("participant").GetProperty("identity").GetString() == "bob", Wait);
            Assert.Equal(1, b.Forwarded("once")); // bob's socket is on b, served by a
            await bob.CloseAsync();
            await alice.ExpectAsync("participantLeft", f => f.GetProperty("identity").GetString() == "bob", Wait);
            await alice.CloseAsync();
        }

        await _receiver!.WaitAsync(r => r.Any(h => h.Event == "room_finished"));
        await Task.Delay(TimeSpan.FromSeconds(2)); // a duplicate from another node would arrive within this
        var hooks = _receiver.Accepted.Where(h => h.RoomName == "once").ToList();
        output.WriteLine(string.Join(", ", hooks.Select(h => h.Event)));
        Assert.Equal(hooks.Count, _receiver.Requests.Count);
        Assert.Equal(["room_started", "participant_joined", "participant_joined", "participant_left", "participant_left", "room_finished"],
            hooks.Select(h => h.Event));
        Assert.Equal(["alice", "bob"], hooks.Where(h => h.Event == "participant_joined").Select(Identity).Order());
        Assert.Equal(["alice", "bob"], hooks.Where(h => h.Event == "participant_left").Select(Identity).Order());
        Assert.Single(hooks.Select(h => h.Json.GetProperty("room").GetProperty("sid").GetString()).Distinct());
        Assert.Equal(hooks.Count, hooks.Select(h => h.Id).Distinct().Count());
    }

    private static string? Identity(HookRequest hook) => hook.Json.GetProperty("participant").GetProperty("identity").GetString();

    private static string Token(string room, string identity) =>
        AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, identity, new VideoGrant { Room = room, RoomJoin = true },
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
}
