using System.Collections.Concurrent;
using System.Text.Json;
using Confer.Signaling.Auth;
using Confer.Signaling.Protocol;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;
using Confer.Signaling.Tests.Support;

namespace Confer.Signaling.Tests.Routing;

/// <summary>
/// The router seam by its messages alone: sinks stand in for connections (as a remote node's proxy
/// would), and nothing but <see cref="IRoomRouter"/> is used to reach the rooms.
/// </summary>
public sealed class LocalRouterTests
{
    [Fact]
    public async Task JoinThenSignal_OfferDeliveredToTheOtherSink()
    {
        await using var server = await TestServer.StartAsync();
        var router = server.Router;
        var (alice, aliceSink, aliceConn) = await JoinAsync(router, "r", "alice");
        var (bob, bobSink, _) = await JoinAsync(router, "r", "bob");
        Assert.Equal("participantJoined", aliceSink.Types().Last());

        Assert.True(await router.SignalAsync(new SignalRequest(new("r"), alice, aliceConn, new ClientMessage { Type = "offer", To = "bob", Sdp = "v=0" })));
        var offer = bobSink.Last("offer");
        Assert.Equal(alice.Value, offer.GetProperty("from").GetString());
        Assert.Equal("alice", offer.GetProperty("fromIdentity").GetString());

        // An unknown target earns an error frame on the sender's own sink, and false.
        Assert.False(await router.SignalAsync(new SignalRequest(new("r"), alice, aliceConn, new ClientMessage { Type = "offer", To = "nobody", Sdp = "v=0", Id = 7 })));
        var error = aliceSink.Last("error");
        Assert.Equal("unknown_participant", error.GetProperty("code").GetString());
        Assert.Equal(7, error.GetProperty("re").GetInt64());
        Assert.Equal(new ParticipantSid(bobSink.Joined.GetProperty("participant").GetProperty("sid").GetString()!), bob);
    }

    [Fact]
    public async Task Resume_OldConnectionsSignalsAndLeaveAreIgnored()
    {
        await using var server = await TestServer.StartAsync();
        var router = server.Router;
        var (alice, aliceSink, oldConn) = await JoinAsync(router, "r", "alice");
        var (_, bobSink, _) = await JoinAsync(router, "r", "bob");

        var newSink = new MemorySink();
        var newConn = ConnectionId.Next();
        var resumed = await router.JoinAsync(new JoinRequest(Token("r", "alice"), newConn, [], aliceSink.ResumeToken, aliceSink.LastId), newSink);
        Assert.Equal(alice, resumed.Participant);
        Assert.Equal(CloseCodes.Replaced, aliceSink.CloseCode);
        Assert.Equal("resumed", newSink.Types().First());

        var before = bobSink.Count;
        Assert.True(await router.SignalAsync(new SignalRequest(new("r"), alice, oldConn, new ClientMessage { Type = "chat", Text = "stale" })));
        router.Leave(new LeaveRequest(new("r"), alice, oldConn, LeaveReasons.Left));
        Assert.Equal(before, bobSink.Count);
        Assert.Equal(2, server.Rooms.ParticipantCount);

        Assert.True(await router.SignalAsync(new SignalRequest(new("r"), alice, newConn, new ClientMessage { Type = "chat", Text = "fresh" })));
        Assert.Equal("fresh", bobSink.Last("chat").GetProperty("text").GetString());
        router.Leave(new LeaveRequest(new("r"), alice, newConn, LeaveReasons.Left));
        Assert.Equal("left", bobSink.Last("participantLeft").GetProperty("reason").GetString());
        Assert.Equal(1, server.Rooms.ParticipantCount);
    }

    [Fact]
    public async Task Leave_WithoutReason_WaitsOutGraceOnTheRoomsClock()
    {
        await using var server = await TestServer.StartAsync();
        var router = server.Router;
        var (alice, _, conn) = await JoinAsync(router, "r", "alice");
        var (_, bobSink, _) = await JoinAsync(router, "r", "bob");
        router.Leave(new LeaveRequest(new("r"), alice, conn, null));
        Assert.Equal(false, server.Rooms.IsConnected(new("r"), "alice"));
        server.Time.Advance(TimeSpan.FromSeconds(19));
        Assert.Equal(2, server.Rooms.ParticipantCount);
        server.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("disconnected", bobSink.Last("participantLeft").GetProperty("reason").GetString());
        Assert.Equal(1, server.Rooms.ParticipantCount);
    }

    [Fact]
    public async Task Requests_CreateListMuteRemoveDelete_AnswerWithRecords()
    {
        await using var server = await TestServer.StartAsync();
        var router = server.Router;
        var created = await router.RequestAsync(new CreateRoomRequest(new("small"), 1, TimeSpan.FromSeconds(60), "m"));
        Assert.Equal(("small", 1, "m"), (created.Room!.Name, created.Room.MaxParticipants, created.Room.Metadata));
        var (alice, aliceSink, conn) = await JoinAsync(router, "small", "alice");
        var full = await router.JoinAsync(new JoinRequest(Token("small", "bob"), ConnectionId.Next(), []), new MemorySink());
        Assert.Equal((null, CloseCodes.RoomFull), (full.Participant, full.CloseCode));

        await router.SignalAsync(new SignalRequest(new("small"), alice, conn, new ClientMessage { Type = "publishTrack", Cid = "c", Kind = "video" }));
        var trackSid = aliceSink.Last("trackPublished").GetProperty("track").GetProperty("sid").GetString()!;
        var muted = await router.RequestAsync(new MuteTrackRequest(new("small"), new("alice"), new(trackSid), true));
        Assert.True(muted.Track!.Muted);
        Assert.Null(muted.Track.Cid);
        Assert.Equal(ApiOutcome.NoTrack, (await router.RequestAsync(new MuteTrackRequest(new("small"), new("alice"), new("TR_x"), true))).Outcome);

        var rooms = (await router.RequestAsync(new ListRoomsRequest())).Rooms!;
        Assert.Equal(1, Assert.Single(rooms).NumParticipants);
        Assert.Equal("alice", Assert.Single((await router.RequestAsync(new ListParticipantsRequest(new("small")))).Participants!).Identity);
        Assert.Equal(ApiOutcome.NoParticipant, (await router.RequestAsync(new RemoveParticipantRequest(new("small"), new("bob")))).Outcome);
        Assert.Equal(ApiOutcome.Done, (await router.RequestAsync(new RemoveParticipantRequest(new("small"), new("alice")))).Outcome);
        Assert.Equal(CloseCodes.Removed, aliceSink.CloseCode);
        Assert.Equal(ApiOutcome.Done, (await router.RequestAsync(new DeleteRoomRequest(new("small")))).Outcome);
        Assert.Equal(ApiOutcome.NoRoom, (await router.RequestAsync(new ListParticipantsRequest(new("small")))).Outcome);
    }

    [Fact]
    public async Task RoomMadeAgain_SignalsForTheOldRoomsParticipantsAreIgnored()
    {
        await using var server = await TestServer.StartAsync(o => o.EmptyTimeout = TimeSpan.Zero);
        var router = server.Router;
        var (alice, _, conn) = await JoinAsync(router, "r", "alice");
        router.Leave(new LeaveRequest(new("r"), alice, conn, LeaveReasons.Left));
        Assert.Equal(0, server.Rooms.RoomCount); // closed at once with a zero empty timeout
        var (_, bobSink, _) = await JoinAsync(router, "r", "bob");
        var before = bobSink.Count;
        Assert.True(await router.SignalAsync(new SignalRequest(new("r"), alice, conn, new ClientMessage { Type = "chat", Text = "ghost" })));
        Assert.Equal(before, bobSink.Count);
    }

    private static async Task<(ParticipantSid Sid, MemorySink Sink, ConnectionId Connection)> JoinAsync(IRoomRouter router, string room, string identity)
    {
        var sink = new MemorySink();
        var connection = ConnectionId.Next();
        var reply = await router.JoinAsync(new JoinRequest(Token(room, identity), connection, []), sink);
        Assert.NotNull(reply.Participant);
        Assert.Equal(new RoomName(room), reply.Room);
        return (reply.Participant.Value, sink, connection);
    }

    private static AccessToken Token(string room, string identity) =>
        new("key", identity, null, null, null, DateTimeOffset.UtcNow.AddHours(1), new VideoGrant { Room = room, RoomJoin = true });

    /// <summary>A connection's side of the router, in memory: keeps frames and the close.</summary>
    private sealed class MemorySink : IParticipantSink
    {
        private readonly ConcurrentQueue<JsonElement> _frames = new();
        public int? CloseCode { get; private set; }
        public int Count => _frames.Count;
        public JsonElement Joined => _frames.First(f => f.GetProperty("type").GetString() == "join");
        public string ResumeToken => Joined.GetProperty("resumeToken").GetString()!;
        public long LastId => _frames.Max(f => f.GetProperty("id").GetInt64());

        public bool TrySend(OutboundFrame frame)
        {
            if (CloseCode is not null) return false;
            _frames.Enqueue(JsonDocument.Parse(frame.ToArray()).RootElement.Clone());
            return true;
        }

        public long QueuedBytes => 0;

        public void Close(int code, string reason, OutboundFrame? finalFrame, bool drain) => CloseCode ??= code;
        public IEnumerable<string> Types() => _frames.Select(f => f.GetProperty("type").GetString()!);
        public JsonElement Last(string type) => _frames.Last(f => f.GetProperty("type").GetString() == type);
    }
}
