using Confer.Signaling.Tests.Support;

namespace Confer.Signaling.Tests.Rooms;

public sealed class ResumeTests
{
    [Fact]
    public async Task Resume_WithinGrace_KeepsSidAndTracksAndReplaysMissedFrames()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");
        await alice.ExpectAsync("participantJoined");
        await alice.SendAsync(new { type = "publishTrack", cid = "mic", kind = "audio", source = "microphone" });
        var trackSid = (await alice.ExpectAsync("trackPublished")).GetProperty("track").GetProperty("sid").GetString();
        await bob.ExpectAsync("trackPublished");
        var lastSeen = alice.LastSeen;
        var token = alice.ResumeToken;

        alice.Drop();
        await WaitDetachedAsync(server, "alice");
        await bob.SendAsync(new { type = "chat", text = "are you there?" });
        await bob.ExpectAsync("chat");
        server.Time.Advance(TimeSpan.FromSeconds(15)); // inside the 20 s grace

        await using var again = await TestClient.ConnectAsync(server, server.Token("r", "alice"), $"&resume={token}&lastSeen={lastSeen}");
        var resumed = await again.ExpectAsync("resumed");
        Assert.Equal(0, resumed.GetProperty("id").GetInt64());
        Assert.Equal(alice.Sid, resumed.GetProperty("participant").GetProperty("sid").GetString());
        Assert.Equal(trackSid, resumed.GetProperty("participant").GetProperty("tracks")[0].GetProperty("sid").GetString());
        Assert.True(resumed.GetProperty("complete").GetBoolean());
        Assert.Equal(1, resumed.GetProperty("replayed").GetInt32());
        var chat = await again.ExpectAsync("chat");
        Assert.Equal("are you there?", chat.GetProperty("text").GetString());
        Assert.Equal(lastSeen + 1, chat.GetProperty("id").GetInt64());

        server.Time.Advance(TimeSpan.FromSeconds(30)); // the old grace timer must not fire any more
        Assert.True(await bob.NoneAsync("participantLeft"));
        await again.SendAsync(new { type = "offer", to = "bob", sdp = "v=0" });
        await bob.ExpectAsync("offer");
        Assert.Equal(2, server.Rooms.ParticipantCount);
    }

    [Fact]
    public async Task Drop_PastGrace_OthersToldAndResumeRefused()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");
        var token = alice.ResumeToken;

        alice.Drop();
        await WaitDetachedAsync(server, "alice");
        server.Time.Advance(TimeSpan.FromSeconds(21));
        var left = await bob.ExpectAsync("participantLeft");
        Assert.Equal("disconnected", left.GetProperty("reason").GetString());

        await using var again = await TestClient.ConnectAsync(server, server.Token("r", "alice"), $"&resume={token}&lastSeen=1");
        var (code, reason) = await again.WaitClosedAsync();
        Assert.Equal(4008, code);
        Assert.StartsWith("resume failed", reason);
        Assert.Equal(1, server.Rooms.ParticipantCount);
    }

    [Fact]
    public async Task Resume_WrongToken_Refused()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        alice.Drop();
        await using var again = await TestClient.ConnectAsync(server, server.Token("r", "alice"), "&resume=not-the-token&lastSeen=1");
        var (code, _) = await again.WaitClosedAsync();
        Assert.Equal(4008, code);
    }

    [Fact]
    public async Task Resume_WhileOldSocketOpen_TakesOverWithoutLeaving()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");

        await using var again = await TestClient.ConnectAsync(server, server.Token("r", "alice"), $"&resume={alice.ResumeToken}&lastSeen={alice.LastSeen}");
        await again.ExpectAsync("resumed");
        var (code, _) = await alice.WaitClosedAsync();
        Assert.Equal(4005, code);
        Assert.True(await bob.NoneAsync("participantLeft"));
        Assert.Equal(2, server.Rooms.ParticipantCount);
    }

    [Fact]
    public async Task Resume_AfterBufferOverflow_ReportsIncomplete()
    {
        await using var server = await TestServer.StartAsync(o => o.ReplayBuffer = 4);
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");
        await alice.ExpectAsync("participantJoined");
        var lastSeen = alice.LastSeen;
        alice.Drop();
        await WaitDetachedAsync(server, "alice");
        for (var i = 0; i < 10; i++) await bob.SendAsync(new { type = "chat", text = $"m{i}" });
        for (var i = 0; i < 10; i++) await bob.ExpectAsync("chat");

        await using var again = await TestClient.ConnectAsync(server, server.Token("r", "alice"), $"&resume={alice.ResumeToken}&lastSeen={lastSeen}");
        var resumed = await again.ExpectAsync("resumed");
        Assert.False(resumed.GetProperty("complete").GetBoolean());
        Assert.Equal(4, resumed.GetProperty("replayed").GetInt32());
        Assert.Equal("m6", (await again.ExpectAsync("chat")).GetProperty("text").GetString());
    }

    [Fact]
    public async Task Resume_AfterByteLimit_KeepsTheNewestFramesAndReportsIncomplete()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.ReplayBufferBytes = 64 * 1024;
            o.MaxFrameBytes = 16 * 1024; // the ring must hold the largest frame
        });
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");
        await alice.ExpectAsync("participantJoined");
        var lastSeen = alice.LastSeen;
        alice.Drop();
        await WaitDetachedAsync(server, "alice");
        // 30 chats of about 4 KB: 120 KB, past the 64 KB limit while far from the 256-frame ring.
        var text = new string('x', 3990);
        for (var i = 0; i < 30; i++) await bob.SendAsync(new { type = "chat", text = $"{i:D2}{text}" });
        for (var i = 0; i < 30; i++) await bob.ExpectAsync("chat");

        await using var again = await TestClient.ConnectAsync(server, server.Token("r", "alice"), $"&resume={alice.ResumeToken}&lastSeen={lastSeen}");
        var resumed = await again.ExpectAsync("resumed");
        Assert.False(resumed.GetProperty("complete").GetBoolean());
        var replayed = resumed.GetProperty("replayed").GetInt32();
        Assert.InRange(replayed, 10, 16); // 64 KB of ~4.1 KB frames
        var first = 30 - replayed;
        for (var i = first; i < 30; i++) Assert.StartsWith($"{i:D2}", (await again.ExpectAsync("chat")).GetProperty("text").GetString());
    }

    [Fact]
    public async Task Ping_LastSeen_FreesAcknowledgedFrames()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");
        await alice.ExpectAsync("participantJoined");
        await bob.SendAsync(new { type = "chat", text = "one" });
        await alice.ExpectAsync("chat");
        var acked = alice.LastSeen;
        await alice.SendAsync(new { type = "ping", timestamp = 1, lastSeen = acked });
        await alice.ExpectAsync("pong");
        alice.Drop();
        await WaitDetachedAsync(server, "alice");

        // Resuming from before the acknowledgement cannot be complete: those frames were let go.
        await using var early = await TestClient.ConnectAsync(server, server.Token("r", "alice"), $"&resume={alice.ResumeToken}&lastSeen={acked - 1}");
        Assert.False((await early.ExpectAsync("resumed")).GetProperty("complete").GetBoolean());
        early.Drop();
        await WaitDetachedAsync(server, "alice");
        await using var exact = await TestClient.ConnectAsync(server, server.Token("r", "alice"), $"&resume={alice.ResumeToken}&lastSeen={acked}");
        var resumed = await exact.ExpectAsync("resumed");
        Assert.True(resumed.GetProperty("complete").GetBoolean());
        Assert.Equal(0, resumed.GetProperty("replayed").GetInt32());
    }

    [Fact]
    public async Task PingTimeout_ClosesWith4010_ThenGraceRemoves()
    {
        await using var server = await TestServer.StartAsync(o =>
        {
            o.PingInterval = TimeSpan.FromSeconds(5);
            o.PingTimeout = TimeSpan.FromSeconds(15);
        });
        await using var alice = await server.JoinAsync("r", "alice");

        server.Time.Advance(TimeSpan.FromSeconds(10));
        await alice.SendAsync(new { type = "ping", timestamp = 1 });
        await alice.ExpectAsync("pong");
        server.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(alice.Closed.IsCompleted); // a ping 10 s ago keeps it alive

        server.Time.Advance(TimeSpan.FromSeconds(10));
        var (code, reason) = await alice.WaitClosedAsync();
        Assert.Equal(4010, code);
        Assert.Equal("ping timeout", reason);
        await WaitDetachedAsync(server, "alice");
        Assert.Equal(1, server.Rooms.ParticipantCount); // in its grace period
        server.Time.Advance(TimeSpan.FromSeconds(21));
        await server.AssertEmptyAsync();
    }

    private static Task WaitDetachedAsync(TestServer server, string identity) =>
        TestServer.EventuallyAsync(() => server.Rooms.IsConnected(new("r"), identity) == false, $"{identity}'s connection to be detached");
}
