using Confer.Signaling.Events;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;
using Confer.Signaling.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Confer.Signaling.Tests.Events;

/// <summary>Room events as a real server raises them: real WebSockets, a registered observer, fake time.</summary>
public sealed class RoomEventsTests
{
    private static async Task<(TestServer Server, RecordingObserver Observer)> StartAsync(Action<SignalingOptions>? configure = null)
    {
        var observer = new RecordingObserver();
        var server = await TestServer.StartAsync(configure, s => s.AddSingleton<IRoomEventObserver>(observer));
        return (server, observer);
    }

    [Fact]
    public async Task Session_EventsInOrder_WithTypedIdsAndTimesOfTheRoomsClock()
    {
        var (server, observer) = await StartAsync();
        await using var _ = server;
        var t0 = server.Time.GetUtcNow();
        await using var alice = await server.JoinAsync("r", "alice", g => g.CanUpdateOwnMetadata = true);
        server.Time.Advance(TimeSpan.FromSeconds(1));
        await using var bob = await server.JoinAsync("r", "bob");
        await alice.ExpectAsync("participantJoined");
        server.Time.Advance(TimeSpan.FromSeconds(1));
        await alice.SendAsync(new { type = "publishTrack", cid = "mic", kind = "audio", source = "microphone" });
        var trackSid = (await alice.ExpectAsync("trackPublished")).GetProperty("track").GetProperty("sid").GetString()!;
        await alice.SendAsync(new { type = "muteTrack", trackSid, muted = true });
        await bob.ExpectAsync("trackMuted");
        await alice.SendAsync(new { type = "updateMetadata", name = "Alice A." });
        await alice.ExpectAsync("participantUpdated");
        await alice.SendAsync(new { type = "unpublishTrack", trackSid });
        await bob.ExpectAsync("trackUnpublished");
        server.Time.Advance(TimeSpan.FromSeconds(1));
        await bob.SendAsync(new { type = "leave" });
        await alice.ExpectAsync("participantLeft");

        await observer.WaitAsync<ParticipantLeft>();
        var events = observer.Events;
        Assert.Equal(
            ["RoomStarted", "ParticipantJoined", "ParticipantJoined", "TrackPublished", "TrackMuted", "ParticipantUpdated", "TrackUnpublished", "ParticipantLeft"],
            events.Select(e => e.GetType().Name));
        Assert.All(events, e => Assert.Equal(new RoomName("r"), e.Room));
        Assert.Single(events.Select(e => e.RoomSid).Distinct());
        Assert.StartsWith("RM_", events[0].RoomSid.Value);

        var aliceSid = new ParticipantSid(alice.Sid);
        var joined = observer.Of<ParticipantJoined>();
        Assert.Equal([(aliceSid, new ParticipantIdentity("alice")), (new ParticipantSid(bob.Sid), new ParticipantIdentity("bob"))],
            joined.Select(j => (j.Participant, j.Identity)));
        Assert.Equal(t0, joined[0].At);
        Assert.Equal(t0.AddSeconds(1), joined[1].At);
        var published = observer.Of<TrackPublished>().Single();
        Assert.Equal((aliceSid, new TrackSid(trackSid), "audio", "microphone", t0.AddSeconds(2)),
            (published.Participant, published.Track, published.Kind, published.Source, published.At));
        Assert.True(observer.Of<TrackMuted>().Single().Muted);
        Assert.Equal("Alice A.", observer.Of<ParticipantUpdated>().Single().Name);
        Assert.Equal(new TrackSid(trackSid), observer.Of<TrackUnpublished>().Single().Track);
        var left = observer.Of<ParticipantLeft>().Single();
        Assert.Equal((new ParticipantSid(bob.Sid), "left", t0.AddSeconds(3)), (left.Participant, left.Reason, left.At));
    }

    [Fact]
    public async Task GraceAndEmptyTimeout_LeftThenFinished_AtTheirExpiries()
    {
        var (server, observer) = await StartAsync();
        await using var _ = server;
        await using var alice = await server.JoinAsync("r", "alice");
        var t0 = server.Time.GetUtcNow();
        alice.Drop();
        await TestServer.EventuallyAsync(() => server.Rooms.IsConnected(new("r"), "alice") == false, "alice's connection to be detached");
        Assert.Empty(observer.Of<ParticipantLeft>());

        server.Time.Advance(TimeSpan.FromSeconds(21)); // past the 20 s resume grace
        var left = await observer.WaitAsync<ParticipantLeft>();
        Assert.Equal(("disconnected", t0.AddSeconds(21)), (left.Reason, left.At));
        Assert.Empty(observer.Of<RoomFinished>());

        server.Time.Advance(TimeSpan.FromSeconds(20)); // the empty-room timeout
        var finished = await observer.WaitAsync<RoomFinished>();
        Assert.Equal(t0.AddSeconds(41), finished.At);
        Assert.Equal(observer.Of<RoomStarted>().Single().RoomSid, finished.RoomSid);
        Assert.Equal(0, server.Rooms.RoomCount);
    }

    [Fact]
    public async Task Resume_RaisesResumed_NotJoinedOrLeft()
    {
        var (server, observer) = await StartAsync();
        await using var _ = server;
        await using var alice = await server.JoinAsync("r", "alice");
        alice.Drop();
        await TestServer.EventuallyAsync(() => server.Rooms.IsConnected(new("r"), "alice") == false, "alice's connection to be detached");
        await using var again = await TestClient.ConnectAsync(server, server.Token("r", "alice"), $"&resume={alice.ResumeToken}&lastSeen={alice.LastSeen}");
        await again.ExpectAsync("resumed");
        var resumed = await observer.WaitAsync<ParticipantResumed>();
        Assert.Equal((new ParticipantSid(alice.Sid), 0, true), (resumed.Participant, resumed.Replayed, resumed.Complete));
        Assert.Single(observer.Of<ParticipantJoined>());
        Assert.Empty(observer.Of<ParticipantLeft>());
    }

    [Fact]
    public async Task Observer_Blocked_RoomsCarryOnAndEventsFollowInOrder()
    {
        var (server, observer) = await StartAsync();
        await using var _ = server;
        observer.Hold();
        await using var alice = await server.JoinAsync("r", "alice");
        await TestServer.EventuallyAsync(() => observer.Blocked == 1, "the observer to block on the first event");

        // The observer is stuck inside OnEvent; had it been called under the room's lock, none of this could happen.
        await using var bob = await server.JoinAsync("r", "bob");
        await alice.ExpectAsync("participantJoined");
        await bob.SendAsync(new { type = "chat", text = "hello" });
        await alice.ExpectAsync("chat");
        await using var carol = await server.JoinAsync("other", "carol");
        var participants = await server.Router.RequestAsync(new ListParticipantsRequest(new RoomName("r")));
        Assert.Equal(2, participants.Participants!.Count);
        Assert.Single(observer.Events); // only the event it is stuck on

        observer.Release();
        await TestServer.EventuallyAsync(() => observer.Of<ParticipantJoined>().Length == 3, "the queued events");
        Assert.Equal(["RoomStarted", "ParticipantJoined", "ParticipantJoined", "RoomStarted", "ParticipantJoined"], observer.Events.Select(e => e.GetType().Name));
        Assert.Equal(["alice", "bob", "carol"], observer.Of<ParticipantJoined>().Select(j => j.Identity.Value));
    }

    [Fact]
    public async Task ApiRoomAndDelete_StartedAndFinishedWithEveryoneLeft()
    {
        var (server, observer) = await StartAsync();
        await using var _ = server;
        var created = await server.Router.RequestAsync(new CreateRoomRequest(new RoomName("planned"), null, null, null));
        Assert.Equal(ApiOutcome.Done, created.Outcome);
        await observer.WaitAsync<RoomStarted>();
        await using var alice = await server.JoinAsync("planned", "alice");
        var deleted = await server.Router.RequestAsync(new DeleteRoomRequest(new RoomName("planned")));
        Assert.Equal(ApiOutcome.Done, deleted.Outcome);
        Assert.Equal(4007, (await alice.WaitClosedAsync()).Code);
        await observer.WaitAsync<RoomFinished>();
        Assert.Equal(["RoomStarted", "ParticipantJoined", "ParticipantLeft", "RoomFinished"], observer.Events.Select(e => e.GetType().Name));
        Assert.Equal("roomDeleted", observer.Of<ParticipantLeft>().Single().Reason);
    }
}
