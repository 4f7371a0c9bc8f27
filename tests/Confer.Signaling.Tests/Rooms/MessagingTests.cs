using Confer.Signaling.Tests.Support;

namespace Confer.Signaling.Tests.Rooms;

public sealed class MessagingTests
{
    [Fact]
    public async Task Offer_AnswerAndCandidate_AreForwardedToTheAddressee()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");
        await using var carol = await server.JoinAsync("r", "carol");

        await alice.SendAsync(new { type = "offer", to = "bob", sdp = "v=0 offer" });
        var offer = await bob.ExpectAsync("offer");
        Assert.Equal(alice.Sid, offer.GetProperty("from").GetString());
        Assert.Equal("alice", offer.GetProperty("fromIdentity").GetString());
        Assert.Equal("v=0 offer", offer.GetProperty("sdp").GetString());

        await bob.SendAsync(new { type = "answer", to = alice.Sid, sdp = "v=0 answer" });
        Assert.Equal("v=0 answer", (await alice.ExpectAsync("answer")).GetProperty("sdp").GetString());

        await bob.SendAsync(new { type = "candidate", to = "alice", candidate = new { candidate = "candidate:1 1 udp 1 127.0.0.1 5000 typ host", sdpMid = "0", sdpMLineIndex = 0 } });
        var candidate = await alice.ExpectAsync("candidate");
        Assert.Equal("0", candidate.GetProperty("candidate").GetProperty("sdpMid").GetString());
        Assert.Equal(bob.Sid, candidate.GetProperty("from").GetString());

        Assert.True(await carol.NoneAsync("offer"));
    }

    [Fact]
    public async Task Offer_ToNobody_ErrorAndOthersUndisturbed()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");

        await alice.SendAsync(new { type = "offer", to = "nobody", sdp = "v=0", id = 42 });
        var error = await alice.ExpectAsync("error");
        Assert.Equal("unknown_participant", error.GetProperty("code").GetString());
        Assert.Equal(42, error.GetProperty("re").GetInt64());
        Assert.Equal(0, error.GetProperty("id").GetInt64());
        Assert.True(await bob.NoneAsync("offer"));
    }

    [Fact]
    public async Task Track_PublishMuteUnpublish_AnnouncedAndShownToLateJoiners()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");

        await alice.SendAsync(new { type = "publishTrack", cid = "cam-1", kind = "video", source = "camera", muted = false, width = 640, height = 480 });
        var own = await alice.ExpectAsync("trackPublished");
        Assert.Equal("cam-1", own.GetProperty("track").GetProperty("cid").GetString());
        var trackSid = own.GetProperty("track").GetProperty("sid").GetString()!;
        Assert.StartsWith("TR_", trackSid);
        var seen = await bob.ExpectAsync("trackPublished");
        Assert.Equal(trackSid, seen.GetProperty("track").GetProperty("sid").GetString());
        Assert.False(seen.GetProperty("track").TryGetProperty("cid", out _));
        Assert.Equal(alice.Sid, seen.GetProperty("participantSid").GetString());

        await alice.SendAsync(new { type = "muteTrack", trackSid, muted = true });
        var muted = await bob.ExpectAsync("trackMuted");
        Assert.True(muted.GetProperty("muted").GetBoolean());

        await using var carol = await server.JoinAsync("r", "carol");
        var aliceInfo = carol.Join!.Value.GetProperty("otherParticipants").EnumerateArray().Single(p => p.GetProperty("identity").GetString() == "alice");
        var track = aliceInfo.GetProperty("tracks")[0];
        Assert.Equal(trackSid, track.GetProperty("sid").GetString());
        Assert.True(track.GetProperty("muted").GetBoolean());
        Assert.Equal("video", track.GetProperty("kind").GetString());

        await alice.SendAsync(new { type = "unpublishTrack", trackSid });
        Assert.Equal(trackSid, (await carol.ExpectAsync("trackUnpublished")).GetProperty("trackSid").GetString());

        await alice.SendAsync(new { type = "muteTrack", trackSid, muted = false });
        Assert.Equal("unknown_track", (await alice.ExpectAsync("error")).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Publish_WithoutCanPublish_RefusedAndNothingAnnounced()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice", g => g.CanPublish = false);
        await using var bob = await server.JoinAsync("r", "bob");

        await alice.SendAsync(new { type = "publishTrack", cid = "mic", kind = "audio", source = "microphone" });
        Assert.Equal("permission_denied", (await alice.ExpectAsync("error")).GetProperty("code").GetString());
        Assert.True(await bob.NoneAsync("trackPublished"));
    }

    [Fact]
    public async Task Publish_SourceOutsideCanPublishSources_Refused()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice", g => g.CanPublishSources = ["microphone"]);

        await alice.SendAsync(new { type = "publishTrack", cid = "screen", kind = "video", source = "screen_share" });
        Assert.Equal("permission_denied", (await alice.ExpectAsync("error")).GetProperty("code").GetString());
        await alice.SendAsync(new { type = "publishTrack", cid = "mic", kind = "audio", source = "microphone" });
        await alice.ExpectAsync("trackPublished");
    }

    [Fact]
    public async Task Data_ToEveryoneOrNamedIdentities()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");
        await using var carol = await server.JoinAsync("r", "carol");

        await alice.SendAsync(new { type = "data", payload = "aGk=", encoding = "base64", topic = "t" });
        var atBob = await bob.ExpectAsync("data");
        Assert.Equal("aGk=", atBob.GetProperty("payload").GetString());
        Assert.Equal("base64", atBob.GetProperty("encoding").GetString());
        Assert.Equal("alice", atBob.GetProperty("fromIdentity").GetString());
        await carol.ExpectAsync("data");
        Assert.True(await alice.NoneAsync("data", 100));

        await alice.SendAsync(new { type = "data", payload = "just carol", destinationIdentities = new[] { "carol" } });
        Assert.Equal("just carol", (await carol.ExpectAsync("data")).GetProperty("payload").GetString());
        Assert.True(await bob.NoneAsync("data"));

        await alice.SendAsync(new { type = "data", payload = "x", encoding = "base64" });
        Assert.Equal("invalid_message", (await alice.ExpectAsync("error")).GetProperty("code").GetString());
    }

    [Fact]
    public async Task DataAndChat_WithoutCanPublishData_Refused()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice", g => g.CanPublishData = false);
        await using var bob = await server.JoinAsync("r", "bob");

        await alice.SendAsync(new { type = "data", payload = "hi" });
        Assert.Equal("permission_denied", (await alice.ExpectAsync("error")).GetProperty("code").GetString());
        await alice.SendAsync(new { type = "chat", text = "hi" });
        Assert.Equal("permission_denied", (await alice.ExpectAsync("error")).GetProperty("code").GetString());
        Assert.True(await bob.NoneAsync("data"));
        Assert.True(await bob.NoneAsync("chat", 100));
    }

    [Fact]
    public async Task Chat_ReachesEveryoneIncludingSender()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice", name: "Alice");
        await using var bob = await server.JoinAsync("r", "bob");

        await alice.SendAsync(new { type = "chat", text = "hello" });
        var atBob = await bob.ExpectAsync("chat");
        Assert.Equal("hello", atBob.GetProperty("text").GetString());
        Assert.Equal("Alice", atBob.GetProperty("fromName").GetString());
        var echo = await alice.ExpectAsync("chat");
        Assert.Equal(atBob.GetProperty("messageId").GetString(), echo.GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task Ping_AnsweredWithPongCarryingTimestamp()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await alice.SendAsync(new { type = "ping", timestamp = 12345 });
        var pong = await alice.ExpectAsync("pong");
        Assert.Equal(12345, pong.GetProperty("timestamp").GetInt64());
        Assert.Equal(0, pong.GetProperty("id").GetInt64());
    }
}
