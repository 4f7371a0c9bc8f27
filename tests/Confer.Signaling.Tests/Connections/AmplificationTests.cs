using System.Net.WebSockets;
using System.Text.Json;
using Confer.Signaling.Auth;
using Confer.Signaling.Protocol;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;
using Confer.Signaling.Tests.Support;

namespace Confer.Signaling.Tests.Connections;

/// <summary>
/// Issue 13 item 6, over real sockets: a sender cannot make the server hold or send much more than it sends itself.
/// Caps by kind, a byte budget per identity that a reconnect does not refill, one shared body per message, and a
/// flood aimed at one person refused to its sender instead of getting that person closed.
/// </summary>
public sealed class AmplificationTests
{
    public static TheoryData<string, string> OverCap => new()
    {
        { "data", JsonSerializer.Serialize(new { type = "data", payload = new string('x', 15 * 1024 + 1), destinationIdentities = new[] { "bob" } }) },
        { "offer", JsonSerializer.Serialize(new { type = "offer", to = "bob", sdp = "v=0\r\n" + new string('a', 256 * 1024) }) },
        { "answer", JsonSerializer.Serialize(new { type = "answer", to = "bob", sdp = "v=0\r\n" + new string('a', 256 * 1024) }) },
        { "candidate", JsonSerializer.Serialize(new { type = "candidate", to = "bob", candidate = new { candidate = "candidate:" + new string('1', 1024), sdpMid = "0" } }) },
        { "participantUpdated", JsonSerializer.Serialize(new { type = "updateMetadata", metadata = new string('m', 4 * 1024 + 1) }) },
    };

    [Theory]
    [MemberData(nameof(OverCap))]
    public async Task OverCap_RefusedWithLimitExceeded_NotForwarded(string forwardedAs, string frame)
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice", g => g.CanUpdateOwnMetadata = true);
        await using var bob = await server.JoinAsync("r", "bob");
        await alice.ExpectAsync("participantJoined");

        await alice.SendAsync(frame);
        var error = await alice.ExpectAsync("error");
        Assert.Equal("limit_exceeded", error.GetProperty("code").GetString());
        Assert.Contains("larger than", error.GetProperty("message").GetString());
        Assert.True(await bob.NoneAsync(forwardedAs));
        Assert.True(await alice.NoneAsync("participantUpdated", 50));
    }

    [Fact]
    public async Task AtCap_Forwarded()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice", g => g.CanUpdateOwnMetadata = true);
        await using var bob = await server.JoinAsync("r", "bob");
        await alice.ExpectAsync("participantJoined");

        await alice.SendAsync(new { type = "data", payload = new string('x', 15 * 1024), destinationIdentities = new[] { "bob" } });
        Assert.Equal(15 * 1024, (await bob.ExpectAsync("data")).GetProperty("payload").GetString()!.Length);
        await alice.SendAsync(new { type = "offer", to = "bob", sdp = new string('a', 256 * 1024) });
        await bob.ExpectAsync("offer");
        await alice.SendAsync(new { type = "updateMetadata", metadata = new string('m', 4 * 1024) });
        await bob.ExpectAsync("participantUpdated");
        Assert.DoesNotContain(alice.Drain(), f => f.GetProperty("type").GetString() == "error");
    }

    [Fact]
    public async Task ServerApi_OverCapDataAndRoomMetadata_Refused400()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = new HttpClient { BaseAddress = server.Http };
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            AccessTokenBuilder.Create(TestServer.Key, TestServer.Secret, null, new VideoGrant { Room = "r", RoomAdmin = true, RoomCreate = true },
                server.Time.GetUtcNow(), TimeSpan.FromMinutes(10)));
        await using var bob = await server.JoinAsync("r", "bob");

        var data = await admin.PostAsync("/api/rooms/r/data", JsonContent(new { payload = new string('x', 15 * 1024 + 1) }));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, data.StatusCode);
        Assert.True(await bob.NoneAsync("data"));
        var room = await admin.PostAsync("/api/rooms", JsonContent(new { name = "big", metadata = new string('m', 4 * 1024 + 1) }));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, room.StatusCode);
        Assert.Equal(1, server.Rooms.RoomCount);
    }

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task Flood_HundredParticipants_HeldBytesStayBounded()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.MessagesPerSecond = 100_000;
            o.MessageBurst = 100_000;
            o.MaxInvalidFrames = 100_000; // refused frames must not end the flood early: the budget alone has to hold
        });
        var listeners = new List<TestClient>();
        try
        {
            for (var i = 0; i < 99; i++) listeners.Add(await server.JoinAsync("r", $"listener-{i}"));
            await using var flooder = await server.JoinAsync("r", "flooder");
            var payload = new string('p', 15 * 1024);
            for (var i = 0; i < 200; i++) await flooder.SendAsync(new { type = "data", payload });
            await flooder.SendAsync(new { type = "ping", timestamp = 1 });
            await flooder.ExpectAsync("pong"); // every data frame before it has been handled

            // Without a budget every listener's resume buffer fills to its 1 MiB: about 100 MiB held for one sender.
            var held = server.Rooms.HeldBytes;
            Assert.True(held < 16 * 1024 * 1024, $"the server holds {held} bytes for its clients");
            var refused = flooder.Drain().Count(f => f.GetProperty("type").GetString() == "error"
                && f.GetProperty("code").GetString() == "limit_exceeded");
            Assert.InRange(refused, 190, 200);
            Assert.All(listeners, l => Assert.False(l.Closed.IsCompleted));
        }
        finally
        {
            foreach (var l in listeners) await l.DisposeAsync();
        }
    }

    [Fact]
    public async Task Broadcast_AllRecipientsShareOneBody()
    {
        await using var server = await TestServer.StartAsync();
        var sinks = new List<CapturingSink>();
        ParticipantSid sender = default;
        ConnectionId senderConnection = default;
        foreach (var identity in new[] { "alice", "bob", "carol" })
        {
            var sink = new CapturingSink();
            var connection = ConnectionId.Next();
            var token = new AccessToken("key", identity, null, null, null, DateTimeOffset.UtcNow.AddHours(1), new VideoGrant { Room = "r", RoomJoin = true });
            var reply = await server.Router.JoinAsync(new JoinRequest(token, connection, []), sink);
            (sender, senderConnection) = (reply.Participant!.Value, connection);
            sinks.Add(sink);
        }
        Assert.True(await server.Router.SignalAsync(new SignalRequest(new("r"), sender, senderConnection,
            new ClientMessage { Type = "data", Payload = "to everyone" })));
        var bodies = sinks.Take(2).Select(s => s.Frames.Last().Body).ToList();
        Assert.Same(bodies[0], bodies[1]);
        Assert.NotEqual(0, sinks[0].Frames.Last().Id);
        Assert.Contains("to everyone", System.Text.Encoding.UTF8.GetString(sinks[1].Frames.Last().ToArray()));
    }

    [Fact]
    public async Task OffersAimedAtOne_VictimStaysConnected_AttackerRefused()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.MessagesPerSecond = 100_000;
            o.MessageBurst = 100_000;
            o.MaxInvalidFrames = 100_000;
        });
        await FloodVictimAsync(server);
    }

    [Fact]
    public async Task OffersAimedAtOne_BudgetAside_RefusedOnceTheVictimsQueueIsHalfFull()
    {
        // Many attackers (or a huge budget) get past any one sender's budget: the victim's queue still is not theirs to fill.
        await using var server = await TestServer.StartAsync(o =>
        {
            o.MessagesPerSecond = 100_000;
            o.MessageBurst = 100_000;
            o.MaxInvalidFrames = 100_000;
            o.SenderBytesPerSecond = int.MaxValue;
            o.SenderByteBurst = int.MaxValue;
        });
        await FloodVictimAsync(server);
    }

    private static async Task FloodVictimAsync(TestServer server)
    {
        // The victim never reads (a slow link): what is sent to it piles up in the server's queue for it.
        await using var victim = await TestClient.ConnectAsync(server, server.Token("r", "victim"), read: false);
        await using var attacker = await server.JoinAsync("r", "attacker");
        var sdp = "v=0\r\n" + new string('a', 30 * 1024);
        for (var i = 0; i < 1000; i++) await attacker.SendAsync(new { type = "offer", to = "victim", sdp });
        await attacker.SendAsync(new { type = "ping", timestamp = 1 });
        await attacker.ExpectAsync("pong");
        // A connection closed as slow while stuck in a send is aborted after the close timeout: let it run out.
        server.Time.Advance(TimeSpan.FromSeconds(6));
        await Task.Delay(200);

        Assert.Equal(true, server.Rooms.IsConnected(new("r"), "victim"));
        Assert.Equal(WebSocketState.Open, victim.Ws.State);
        var errors = attacker.Drain().Where(f => f.GetProperty("type").GetString() == "error").ToList();
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.Equal("limit_exceeded", e.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Budget_NotRefilledByResumeOrRejoin_RefilledByTime()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.SenderByteBurst = 64 * 1024;
            o.SenderBytesPerSecond = 1024;
            o.MaxFrameBytes = 32 * 1024; // a burst must hold the largest frame
            o.MaxInvalidFrames = 1000;
        });
        await using var bob = await server.JoinAsync("r", "bob");
        var alice = await server.JoinAsync("r", "alice");
        var payload = new string('d', 10 * 1024);
        var sent = 0;
        while (true)
        {
            await alice.SendAsync(new { type = "data", payload, destinationIdentities = new[] { "bob" } });
            await alice.SendAsync(new { type = "ping", timestamp = sent });
            await alice.ExpectAsync("pong");
            if (alice.Drain().Any(f => f.GetProperty("type").GetString() == "error")) break;
            Assert.True(++sent < 20, "the budget never ran out");
        }
        Assert.InRange(sent, 5, 8); // 64 KiB of 10 KiB messages

        // Resume: same participant, new connection.
        var lastSeen = alice.LastSeen;
        var resumeToken = alice.ResumeToken;
        alice.Drop();
        await TestServer.EventuallyAsync(() => server.Rooms.IsConnected(new("r"), "alice") == false, "alice to be detached");
        await using var resumed = await TestClient.ConnectAsync(server, server.Token("r", "alice"), $"&resume={resumeToken}&lastSeen={lastSeen}");
        await resumed.ExpectAsync("resumed");
        await resumed.SendAsync(new { type = "data", payload, destinationIdentities = new[] { "bob" } });
        Assert.Equal("limit_exceeded", (await resumed.ExpectAsync("error")).GetProperty("code").GetString());

        // Rejoin: a new participant for the same identity, with a new token.
        await using var rejoined = await server.JoinAsync("r", "alice");
        await rejoined.SendAsync(new { type = "data", payload, destinationIdentities = new[] { "bob" } });
        Assert.Equal("limit_exceeded", (await rejoined.ExpectAsync("error")).GetProperty("code").GetString());
        Assert.Equal(sent, bob.Drain().Count(f => f.GetProperty("type").GetString() == "data"));

        server.Time.Advance(TimeSpan.FromSeconds(30)); // 30 KiB back
        await rejoined.SendAsync(new { type = "data", payload, destinationIdentities = new[] { "bob" } });
        await bob.ExpectAsync("data");
        await alice.DisposeAsync();
    }

    /// <summary>Keeps what a room queues for one participant, bodies and all.</summary>
    private sealed class CapturingSink : IParticipantSink
    {
        public List<OutboundFrame> Frames { get; } = [];
        public long QueuedBytes => 0;
        public bool TrySend(OutboundFrame frame) { lock (Frames) Frames.Add(frame); return true; }
        public void Close(int code, string reason, OutboundFrame? finalFrame, bool drain) { }
    }
}
