using System.Collections.Concurrent;
using Confer.Signaling;
using Confer.Signaling.Media;
using Confer.Signaling.Routing;
using Confer.Signaling.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Confer.Signaling.Tests.Rooms;

/// <summary>
/// Protocol 2 (docs/protocol.md, "Through Confer's SFU") from the room's side: who may use the SFU, grants held on the
/// publisher offer, and who is offered which tracks as people and tracks come and go. The media plane here records
/// what the room asks and answers with placeholder SDP: the room is what is tested; the SFU has its own tests.
/// </summary>
public sealed class SfuSignalingTests : IAsyncLifetime
{
    private readonly RecordingPlane _plane = new();
    private TestServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await TestServer.StartAsync(o => o.Topology = Topologies.Sfu, s => s.AddSingleton<IMediaPlane>(_plane));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<TestClient> JoinV2Async(string identity, Action<Confer.Signaling.Auth.VideoGrant>? grant = null) =>
        TestClient.JoinAsync(_server, _server.Token("sfu", identity, grant), "&protocol=2");

    private static string SendOffer(string trackSid) => string.Join("\r\n",
        "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0",
        "m=video 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", "a=mid:0", "a=sendonly", $"a=msid:{trackSid} camera-track",
        "a=rtpmap:96 VP8/90000", "");

    private static async Task<string> PublishCameraAsync(TestClient client)
    {
        await client.SendAsync(new { type = "publishTrack", cid = "cam", kind = "video", source = "camera" });
        var published = await client.ExpectAsync("trackPublished");
        var trackSid = published.GetProperty("track").GetProperty("sid").GetString()!;
        await client.SendAsync(new { type = "publisherOffer", sdp = SendOffer(trackSid) });
        Assert.Equal("answer:1", (await client.ExpectAsync("publisherAnswer")).GetProperty("sdp").GetString());
        return trackSid;
    }

    [Fact]
    public async Task ProtocolOneClient_InAnSfuRoom_IsRefusedWithAReason()
    {
        await using var old = await _server.ConnectAsync(_server.Token("sfu", "old-client"));
        var (code, reason) = await old.WaitClosedAsync();
        Assert.Equal(4003, code);
        Assert.Contains("protocol 1", reason);
    }

    [Fact]
    public async Task Publisher_Then_Subscriber_GetsAnOfferWithTheTrack_AndLosesItWhenThePublisherLeaves()
    {
        await using var alice = await JoinV2Async("alice");
        Assert.Equal("sfu", alice.Join!.Value.GetProperty("topology").GetString());
        var trackSid = await PublishCameraAsync(alice);
        Assert.Equal([trackSid], _plane.Published["alice"]);

        await using var bob = await JoinV2Async("bob");
        var offer = await bob.ExpectAsync("subscriberOffer");
        var track = Assert.Single(offer.GetProperty("tracks").EnumerateArray());
        Assert.Equal(trackSid, track.GetProperty("trackSid").GetString());
        Assert.Equal(alice.Join!.Value.GetProperty("participant").GetProperty("sid").GetString(), track.GetProperty("participantSid").GetString());
        await bob.SendAsync(new { type = "subscriberAnswer", sdp = "v=0 answer" });
        await TestServer.EventuallyAsync(() => _plane.Answers.Contains("bob"), "bob's subscriber answer to reach the plane");

        await alice.SendAsync(new { type = "leave" });
        var empty = await bob.ExpectAsync("subscriberOffer");
        Assert.Empty(empty.GetProperty("tracks").EnumerateArray());
        await TestServer.EventuallyAsync(() => _plane.Removed.Contains("alice"), "alice's media to be removed");
    }

    [Fact]
    public async Task WithoutCanSubscribe_NoSubscriberOffer_AndAnOfferSendingAnUnpublishedTrackIsRefused()
    {
        await using var alice = await JoinV2Async("alice");
        await using var viewer = await JoinV2Async("silent", g => g.CanSubscribe = false);
        await PublishCameraAsync(alice);
        Assert.True(await viewer.NoneAsync("subscriberOffer"), "no tracks for a participant who may not subscribe");

        await alice.SendAsync(new { type = "publisherOffer", sdp = SendOffer("TR_notPublished"), id = 7 });
        var error = await alice.ExpectAsync("error");
        Assert.Equal("sdp_refused", error.GetProperty("code").GetString());
        Assert.Equal(7, error.GetProperty("re").GetInt32());
    }

    [Fact]
    public async Task RestartIce_BeforeAnyOffer_IsAnError_AfterOne_ANewSubscriberOfferComes()
    {
        await using var bob = await JoinV2Async("bob");
        await bob.SendAsync(new { type = "restartIce", id = 3 });
        var error = await bob.ExpectAsync("error");
        Assert.Equal("invalid_message", error.GetProperty("code").GetString());

        await using var alice = await JoinV2Async("alice");
        var trackSid = await PublishCameraAsync(alice);
        await bob.ExpectAsync("subscriberOffer");
        await bob.SendAsync(new { type = "restartIce" });
        var restarted = await bob.ExpectAsync("subscriberOffer");
        Assert.Equal("offer:restarted", restarted.GetProperty("sdp").GetString());
        Assert.Equal(trackSid, Assert.Single(restarted.GetProperty("tracks").EnumerateArray()).GetProperty("trackSid").GetString());
    }

    [Fact]
    public async Task SubscriberOffers_GoOneAtATime_TheNextWaitsForTheAnswerToTheLast()
    {
        await using var alice = await JoinV2Async("alice");
        var camera = await PublishCameraAsync(alice);
        await using var bob = await JoinV2Async("bob");
        Assert.Single((await bob.ExpectAsync("subscriberOffer")).GetProperty("tracks").EnumerateArray());

        // Alice publishes a second track before Bob has answered: no second offer races the first.
        await alice.SendAsync(new { type = "publishTrack", cid = "screen", kind = "video", source = "screen_share" });
        await alice.ExpectAsync("trackPublished");
        await alice.SendAsync(new { type = "publisherOffer", sdp = SendOffer(camera) });
        await alice.ExpectAsync("publisherAnswer");
        Assert.True(await bob.NoneAsync("subscriberOffer"));

        // Bob answers: the offer that waited goes, with both tracks.
        await bob.SendAsync(new { type = "subscriberAnswer", sdp = "answer" });
        Assert.Equal(2, (await bob.ExpectAsync("subscriberOffer")).GetProperty("tracks").GetArrayLength());
    }

    [Fact]
    public async Task MediaEvents_SpeakersGoToEveryoneOnTheSfu_NeverNamingTheHidden_AndLayersOnlyToTheirPublisher()
    {
        await using var alice = await JoinV2Async("alice");
        var trackSid = await PublishCameraAsync(alice);
        await using var bob = await JoinV2Async("bob");
        await using var ghost = await JoinV2Async("ghost", g => g.Hidden = true);
        string Sid(TestClient c) => c.Join!.Value.GetProperty("participant").GetProperty("sid").GetString()!;
        var events = Assert.IsAssignableFrom<IMediaEvents>(_plane.Events);

        events.SpeakersChanged(new Confer.Signaling.Rooms.RoomName("sfu"), [new(new Confer.Signaling.Rooms.ParticipantSid(Sid(ghost)), 0.9), new(new Confer.Signaling.Rooms.ParticipantSid(Sid(alice)), 0.5)]);
        foreach (var client in new[] { alice, bob, ghost })
        {
            var speakers = (await client.ExpectAsync("speakersChanged")).GetProperty("speakers");
            var only = Assert.Single(speakers.EnumerateArray());
            Assert.Equal(Sid(alice), only.GetProperty("sid").GetString());
            Assert.Equal(0.5, only.GetProperty("level").GetDouble());
        }

        events.PublishedLayersChanged(new MediaParticipant(new Confer.Signaling.Rooms.RoomName("sfu"), new Confer.Signaling.Rooms.ParticipantSid(Sid(alice))), trackSid,
            [new MediaLayer("q", true), new MediaLayer("h", false), new MediaLayer("f", false)]);
        var layers = await alice.ExpectAsync("publishedLayers");
        Assert.Equal(trackSid, layers.GetProperty("trackSid").GetString());
        Assert.Equal("q:True h:False f:False", string.Join(" ", layers.GetProperty("layers").EnumerateArray()
            .Select(l => $"{l.GetProperty("rid").GetString()}:{l.GetProperty("active").GetBoolean()}")));
        Assert.True(await bob.NoneAsync("publishedLayers"));

        // About a room or a participant that is gone: nothing, and nothing breaks.
        events.SpeakersChanged(new Confer.Signaling.Rooms.RoomName("nowhere"), []);
        events.PublishedLayersChanged(new MediaParticipant(new Confer.Signaling.Rooms.RoomName("sfu"), new Confer.Signaling.Rooms.ParticipantSid("PA_gone")), trackSid, []);
        Assert.True(await alice.NoneAsync("publishedLayers"));
    }

    [Fact]
    public async Task MediaLapsed_TheOthersGetAnOfferWithoutTheLapsedTracks()
    {
        await using var alice = await JoinV2Async("alice");
        await PublishCameraAsync(alice);
        await using var bob = await JoinV2Async("bob");
        Assert.Single((await bob.ExpectAsync("subscriberOffer")).GetProperty("tracks").EnumerateArray());
        await bob.SendAsync(new { type = "subscriberAnswer", sdp = "answer" });
        await TestServer.EventuallyAsync(() => _plane.Answers.Contains("bob"), "bob's subscriber answer to reach the plane");
        string aliceSid = alice.Join!.Value.GetProperty("participant").GetProperty("sid").GetString()!;
        var events = Assert.IsAssignableFrom<IMediaEvents>(_plane.Events);

        _plane.Lapsed.Add(aliceSid); // what the SFU did before it told the room: alice's producers are gone
        events.MediaLapsed(new MediaParticipant(new Confer.Signaling.Rooms.RoomName("sfu"), new Confer.Signaling.Rooms.ParticipantSid(aliceSid)));
        Assert.Empty((await bob.ExpectAsync("subscriberOffer")).GetProperty("tracks").EnumerateArray());
        Assert.True(await alice.NoneAsync("subscriberOffer"));

        // About a room or a participant that is gone: nothing, and nothing breaks.
        events.MediaLapsed(new MediaParticipant(new Confer.Signaling.Rooms.RoomName("nowhere"), new Confer.Signaling.Rooms.ParticipantSid(aliceSid)));
        events.MediaLapsed(new MediaParticipant(new Confer.Signaling.Rooms.RoomName("sfu"), new Confer.Signaling.Rooms.ParticipantSid("PA_gone")));
        Assert.True(await bob.NoneAsync("subscriberOffer"));
    }

    [Fact]
    public async Task MediaLapsed_OfAWhipEncoder_ItLeavesTheRoom()
    {
        await using var bob = await JoinV2Async("bob");
        var validation = await _server.App.Services.GetRequiredService<Confer.Signaling.Auth.AccessTokenValidator>().ValidateAsync(_server.Token("sfu", "obs"));
        var reply = await _server.Router.IngestAsync(new IngestRequest(validation.Token!, ConnectionId.Next(), SendOffer("ignored"), [new IngestSection("0", "video")]));
        var encoder = Assert.IsType<Confer.Signaling.Rooms.ParticipantSid>(reply.Participant);
        Assert.Equal("obs", (await bob.ExpectAsync("participantJoined")).GetProperty("participant").GetProperty("identity").GetString());

        var events = Assert.IsAssignableFrom<IMediaEvents>(_plane.Events);
        events.MediaLapsed(new MediaParticipant(new Confer.Signaling.Rooms.RoomName("sfu"), encoder)); // it stopped without a DELETE
        var left = await bob.ExpectAsync("participantLeft");
        Assert.Equal(encoder.Value, left.GetProperty("sid").GetString());
        Assert.Equal("disconnected", left.GetProperty("reason").GetString());
        await TestServer.EventuallyAsync(() => _server.Rooms.ParticipantCount == 1, "only bob left");
    }

    /// <summary>Answers every publisher offer with "answer:N" (N tracks) and offers only when a subscriber's set changed.</summary>
    private sealed class RecordingPlane : IMediaPlane
    {
        public IMediaEvents? Events { get; private set; }

        public void Observe(IMediaEvents events) => Events = events;

        private readonly ConcurrentDictionary<string, string> _subscribed = new();
        public ConcurrentDictionary<string, string[]> Published { get; } = new();
        public ConcurrentBag<string> Answers { get; } = [];
        public ConcurrentBag<string> Removed { get; } = [];

        /// <summary>Participants whose media the plane released (consent lapsed): their tracks are offered to nobody.</summary>
        public ConcurrentBag<string> Lapsed { get; } = [];
        private readonly ConcurrentDictionary<string, string> _identities = new();

        public MediaAnswer Publish(MediaParticipant who, string offerSdp, IReadOnlyList<MediaTrack> published)
        {
            Published[IdentityOf(who, offerSdp)] = [.. published.Select(t => t.TrackSid)];
            return new MediaAnswer($"answer:{published.Count}", null);
        }

        public MediaOffer? Subscribe(MediaParticipant who, IReadOnlyList<MediaTrack> tracks)
        {
            tracks = [.. tracks.Where(t => !Lapsed.Contains(t.Publisher.Value))];
            var key = string.Join(",", tracks.Select(t => t.TrackSid));
            var previous = _subscribed.GetValueOrDefault(who.Participant.Value);
            _subscribed[who.Participant.Value] = key;
            if (previous == key || (previous is null && tracks.Count == 0)) return null;
            return new MediaOffer("offer", [.. tracks.Select((t, i) => new MediaOfferTrack(i.ToString(System.Globalization.CultureInfo.InvariantCulture), t.TrackSid, t.Publisher.Value))]);
        }

        public MediaAnswer SubscriberAnswer(MediaParticipant who, string answerSdp)
        {
            Answers.Add(_identities.GetValueOrDefault(who.Participant.Value) ?? "bob");
            return new MediaAnswer(null, null);
        }

        public void SetVisibleSize(MediaParticipant who, string trackSid, int width, int height) { }

        public MediaOffer? RestartSubscriberIce(MediaParticipant who)
        {
            var key = _subscribed.GetValueOrDefault(who.Participant.Value);
            if (string.IsNullOrEmpty(key)) return null;
            return new MediaOffer("offer:restarted", [.. key.Split(',').Select((t, i) => new MediaOfferTrack(i.ToString(System.Globalization.CultureInfo.InvariantCulture), t, "PA_x"))]);
        }

        public void Remove(MediaParticipant who) => Removed.Add(_identities.GetValueOrDefault(who.Participant.Value) ?? who.Participant.Value);

        private string IdentityOf(MediaParticipant who, string sdp)
        {
            _identities[who.Participant.Value] = "alice"; // only alice publishes in these tests
            return "alice";
        }
    }
}
