using System.Text.Json;
using Confer.Signaling.Tests.Support;

namespace Confer.Signaling.Tests.Rooms;

/// <summary>
/// A modified client: it speaks the protocol over a raw WebSocket and sends what Chromium would send
/// if the SDK's checks were gone (Rooms/Sdp). The server holds it to its grant: nothing it may not
/// send reaches anyone, it gets an error saying why, and what it may send still goes through.
/// </summary>
public sealed class GrantEnforcementTests
{
    private const string Mic = "TR_micAAAAAAAAA", Cam = "TR_camBBBBBBBBB";

    private static string Sdp(string sample, string? mic = null, string? cam = null) =>
        SdpPolicyTests.Sample(sample).Replace(Mic, mic ?? Mic).Replace(Cam, cam ?? Cam);

    private static async Task<JsonElement> RefusedAsync(TestClient client, int re, string code = "sdp_refused")
    {
        var error = await client.ExpectAsync("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(re, error.GetProperty("re").GetInt64());
        return error;
    }

    private static async Task<string> PublishAsync(TestClient client, string cid, string kind, string source)
    {
        await client.SendAsync(new { type = "publishTrack", cid, kind, source });
        return (await client.ExpectAsync("trackPublished")).GetProperty("track").GetProperty("sid").GetString()!;
    }

    [Fact]
    public async Task Offer_SendingWithoutCanPublish_RefusedAndNotForwarded()
    {
        await using var server = await TestServer.StartAsync();
        await using var mallory = await server.JoinAsync("r", "mallory", g => g.CanPublish = false);
        await using var bob = await server.JoinAsync("r", "bob");

        await mallory.SendAsync(new { type = "offer", to = "bob", sdp = Sdp("offer-sendonly"), id = 7 });
        var error = await RefusedAsync(mallory, 7);
        Assert.Contains("may not publish", error.GetProperty("message").GetString());
        // The same with sendrecv, and as an answer.
        await mallory.SendAsync(new { type = "answer", to = "bob", sdp = Sdp("reoffer-sendrecv"), id = 8 });
        await RefusedAsync(mallory, 8);
        Assert.True(await bob.NoneAsync("offer"));
        Assert.True(await bob.NoneAsync("answer", 100));

        // Receiving and data channels are what it may do.
        await mallory.SendAsync(new { type = "answer", to = "bob", sdp = Sdp("answer-recvonly") });
        Assert.Equal(Sdp("answer-recvonly"), (await bob.ExpectAsync("answer")).GetProperty("sdp").GetString());
        await mallory.SendAsync(new { type = "offer", to = "bob", sdp = Sdp("offer-data-only") });
        await bob.ExpectAsync("offer");
    }

    [Fact]
    public async Task Offer_ReceivingWithoutCanSubscribe_RefusedAndNotForwarded()
    {
        await using var server = await TestServer.StartAsync();
        await using var mallory = await server.JoinAsync("r", "mallory", g => g.CanSubscribe = false);
        await using var bob = await server.JoinAsync("r", "bob");

        await mallory.SendAsync(new { type = "answer", to = "bob", sdp = Sdp("answer-recvonly"), id = 3 });
        Assert.Contains("canSubscribe", (await RefusedAsync(mallory, 3)).GetProperty("message").GetString());
        await mallory.SendAsync(new { type = "offer", to = "bob", sdp = Sdp("offer-stopped"), id = 4 });
        await RefusedAsync(mallory, 4);
        Assert.True(await bob.NoneAsync("answer"));
        Assert.True(await bob.NoneAsync("offer", 100));

        // Sending its own tracks (sendonly) and declining the others' (inactive) goes through.
        var mic = await PublishAsync(mallory, "m", "audio", "microphone");
        var cam = await PublishAsync(mallory, "c", "video", "camera");
        await mallory.SendAsync(new { type = "answer", to = "bob", sdp = Sdp("answer-inactive", mic, cam) });
        await bob.ExpectAsync("answer");
    }

    [Fact]
    public async Task MicrophoneOnly_CameraAndVideoLabelledMicrophoneAndSendingVideoRefused()
    {
        await using var server = await TestServer.StartAsync();
        await using var mallory = await server.JoinAsync("r", "mallory", g => g.CanPublishSources = ["microphone"]);
        await using var bob = await server.JoinAsync("r", "bob");

        await mallory.SendAsync(new { type = "publishTrack", cid = "cam", kind = "video", source = "camera", id = 1 });
        await RefusedAsync(mallory, 1, "permission_denied");
        await mallory.SendAsync(new { type = "publishTrack", cid = "fake-mic", kind = "video", source = "microphone", id = 2 });
        await RefusedAsync(mallory, 2, "invalid_message");
        var mic = await PublishAsync(mallory, "mic", "audio", "microphone");
        var published = await bob.ExpectAsync("trackPublished");
        Assert.Equal("audio", published.GetProperty("track").GetProperty("kind").GetString());
        Assert.True(await bob.NoneAsync("trackPublished", 100));

        // Video sent under the microphone's sid, or under a sid nobody published: refused.
        await mallory.SendAsync(new { type = "offer", to = "bob", sdp = Sdp("offer-sendonly", mic, mic), id = 3 });
        Assert.Contains("video", (await RefusedAsync(mallory, 3)).GetProperty("message").GetString());
        await mallory.SendAsync(new { type = "offer", to = "bob", sdp = Sdp("offer-sendonly", mic), id = 4 });
        await RefusedAsync(mallory, 4);
        Assert.True(await bob.NoneAsync("offer"));

        // The microphone alone goes through (the video section rejected: port 0).
        var audioOnly = Sdp("offer-sendonly", mic).Replace("m=video 9 ", "m=video 0 ");
        await mallory.SendAsync(new { type = "offer", to = "bob", sdp = audioOnly });
        await bob.ExpectAsync("offer");
    }

    [Fact]
    public async Task Hidden_DataAndSendingSdpRefused()
    {
        await using var server = await TestServer.StartAsync();
        await using var bob = await server.JoinAsync("r", "bob");
        await using var ghost = await server.JoinAsync("r", "ghost", g => g.Hidden = true);

        await ghost.SendAsync(new { type = "data", payload = "boo", id = 5 });
        await RefusedAsync(ghost, 5, "permission_denied");
        await ghost.SendAsync(new { type = "data", payload = "boo", destinationIdentities = new[] { "bob" }, id = 6 });
        await RefusedAsync(ghost, 6, "permission_denied");
        await ghost.SendAsync(new { type = "offer", to = "bob", sdp = Sdp("offer-sendonly"), id = 7 });
        await RefusedAsync(ghost, 7);
        Assert.True(await bob.NoneAsync("data"));
        Assert.True(await bob.NoneAsync("offer", 100));
    }

    [Fact]
    public async Task Answer_NamingATrackJustUnpublished_StillForwarded()
    {
        // The SDK stops a track and tells the server; an answer it made a moment before may follow.
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");
        var mic = await PublishAsync(alice, "m", "audio", "microphone");
        var cam = await PublishAsync(alice, "c", "video", "camera");

        await alice.SendAsync(new { type = "unpublishTrack", trackSid = cam });
        await alice.SendAsync(new { type = "answer", to = "bob", sdp = Sdp("answer-inactive", mic, cam) });
        await bob.ExpectAsync("answer");
        // Unpublished as video, it is still not audio.
        await alice.SendAsync(new { type = "answer", to = "bob", sdp = Sdp("answer-inactive", cam, mic), id = 9 });
        await RefusedAsync(alice, 9);
    }
}
