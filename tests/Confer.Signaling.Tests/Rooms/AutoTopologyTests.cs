using System.Collections.Concurrent;
using Confer.Signaling;
using Confer.Signaling.Media;
using Confer.Signaling.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Confer.Signaling.Tests.Rooms;

/// <summary>
/// The <c>auto</c> topology (docs/protocol.md, "Moving between mesh and SFU"): a room is browser to browser for two,
/// moves to the SFU when the third arrives, goes back after staying small for the return delay, and releases the SFU
/// connections after that. A protocol-1 client keeps it in mesh. The media plane records what the room asks.
/// </summary>
public sealed class AutoTopologyTests : IAsyncLifetime
{
    private readonly CountingPlane _plane = new();
    private TestServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await TestServer.StartAsync(o => { o.Topology = Topologies.Auto; o.MeshReturnDelay = TimeSpan.FromSeconds(10); },
            s => s.AddSingleton<IMediaPlane>(_plane));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<TestClient> JoinAsync(string identity, int protocol = 2) =>
        TestClient.JoinAsync(_server, _server.Token("auto", identity), protocol >= 2 ? "&protocol=2" : "");

    private static string? TopologyOf(TestClient c) => c.Join!.Value.TryGetProperty("topology", out var t) ? t.GetString() : null;

    [Fact]
    public async Task ThirdJoiner_MovesTheRoomToTheSfu_TheOthersAreTold_AndTheJoinerLearnsItInJoin()
    {
        await using var alice = await JoinAsync("alice");
        await using var bob = await JoinAsync("bob");
        Assert.Equal("mesh", TopologyOf(alice));
        Assert.Equal("mesh", TopologyOf(bob));
        Assert.True(await alice.NoneAsync("topology"), "two people stay browser to browser");
        await bob.SendAsync(new { type = "offer", to = alice.Sid, sdp = "v=0\r\n" });
        await alice.ExpectAsync("offer");

        await using var carol = await JoinAsync("carol");
        Assert.Equal("sfu", TopologyOf(carol));
        foreach (var c in new[] { alice, bob })
        {
            var frame = await c.ExpectAsync("topology");
            Assert.Equal("sfu", frame.GetProperty("topology").GetString());
            Assert.Equal(3, frame.GetProperty("participants").GetInt32());
        }

        // Publishing through the SFU is now allowed, and mesh frames still pass while browsers move over.
        await alice.SendAsync(new { type = "publisherOffer", sdp = "v=0\r\n" });
        await alice.ExpectAsync("publisherAnswer");
        await bob.SendAsync(new { type = "candidate", to = alice.Sid, candidate = new { candidate = "candidate:1 1 udp 1 127.0.0.1 9 typ host" } });
        await alice.ExpectAsync("candidate");
    }

    [Fact]
    public async Task RoomBelowSfuFrom_GoesBackToMeshAfterTheDelay_ThenReleasesSfuConnections()
    {
        await using var alice = await JoinAsync("alice");
        await using var bob = await JoinAsync("bob");
        var carol = await JoinAsync("carol");
        await alice.ExpectAsync("topology");
        await bob.ExpectAsync("topology");
        await carol.SendAsync(new { type = "leave" });
        await carol.DisposeAsync();
        await alice.ExpectAsync("participantLeft");

        _server.Time.Advance(TimeSpan.FromSeconds(9));
        Assert.True(await alice.NoneAsync("topology"), "not before the return delay");
        _server.Time.Advance(TimeSpan.FromSeconds(2));
        var back = await alice.ExpectAsync("topology");
        Assert.Equal("mesh", back.GetProperty("topology").GetString());
        Assert.Equal("mesh", (await bob.ExpectAsync("topology")).GetProperty("topology").GetString());

        await alice.SendAsync(new { type = "publisherOffer", sdp = "v=0\r\n" });
        Assert.Equal("invalid_message", (await alice.ExpectAsync("error")).GetProperty("code").GetString());

        Assert.DoesNotContain(alice.Sid, _plane.Removed);
        _server.Time.Advance(TimeSpan.FromSeconds(16));
        await TestServer.EventuallyAsync(() => _plane.Removed.Contains(alice.Sid) && _plane.Removed.Contains(bob.Sid),
            "both SFU sessions to be released once the room has been mesh for a while");
    }

    [Fact]
    public async Task SomeoneReloading_DoesNotFlipTheRoom()
    {
        await using var alice = await JoinAsync("alice");
        await using var bob = await JoinAsync("bob");
        var carol = await JoinAsync("carol");
        await alice.ExpectAsync("topology");
        await carol.SendAsync(new { type = "leave" });
        await carol.DisposeAsync();
        _server.Time.Advance(TimeSpan.FromSeconds(3));
        await using var again = await JoinAsync("carol");
        Assert.Equal("sfu", TopologyOf(again));
        _server.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(await alice.NoneAsync("topology"), "the room stays on the SFU");
    }

    [Fact]
    public async Task ProtocolOneClient_KeepsTheRoomInMesh_AndOneArrivingLaterIsRefused()
    {
        await using var old = await JoinAsync("old", protocol: 1);
        await using var bob = await JoinAsync("bob");
        await using var carol = await JoinAsync("carol");
        Assert.Equal("mesh", TopologyOf(carol));
        Assert.True(await bob.NoneAsync("topology"), "a protocol-1 client keeps the room browser to browser");

        await old.SendAsync(new { type = "leave" });
        await bob.ExpectAsync("participantLeft");
        await using var dave = await JoinAsync("dave");
        Assert.Equal("sfu", TopologyOf(dave));
        Assert.Equal("sfu", (await bob.ExpectAsync("topology")).GetProperty("topology").GetString());

        await using var late = await _server.ConnectAsync(_server.Token("auto", "old-late"));
        var (code, reason) = await late.WaitClosedAsync();
        Assert.Equal(4003, code);
        Assert.Contains("protocol 1", reason);
    }

    [Fact]
    public async Task Resumed_CarriesTheTopologyNow()
    {
        await using var alice = await JoinAsync("alice");
        await using var bob = await JoinAsync("bob");
        await using var carol = await JoinAsync("carol");
        await alice.ExpectAsync("topology");
        await using var again = await TestClient.ConnectAsync(_server,
            _server.Token("auto", "alice"), $"&protocol=2&resume={alice.ResumeToken}&lastSeen={alice.LastSeen}");
        var resumed = await again.ExpectAsync("resumed");
        Assert.Equal("sfu", resumed.GetProperty("topology").GetString());
    }

    private sealed class CountingPlane : IMediaPlane
    {
        public ConcurrentBag<string> Removed { get; } = [];

        public MediaAnswer Publish(MediaParticipant who, string offerSdp, IReadOnlyList<MediaTrack> published) => new("answer", null);

        public MediaOffer? Subscribe(MediaParticipant who, IReadOnlyList<MediaTrack> tracks) => null;

        public MediaAnswer SubscriberAnswer(MediaParticipant who, string answerSdp) => new(null, null);

        public void SetVisibleSize(MediaParticipant who, string trackSid, int width, int height) { }

        public void Remove(MediaParticipant who) => Removed.Add(who.Participant.Value);
    }
}
