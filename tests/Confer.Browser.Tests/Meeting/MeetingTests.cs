using System.Text.Json;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Meeting;

/// <summary>The SDK in real Chromium against an in-process Confer: media must actually decode.</summary>
public sealed class MeetingTests : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(20);
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync();
    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Connect_TwoPeople_SeeEachOther()
    {
        var (a, aliceId) = await _h.JoinAsync("two", "Alice");
        var (b, bobId) = await _h.JoinAsync("two", "Bob");

        await MeetingHarness.WaitForVideoFromAsync(a, Media, bobId);
        await MeetingHarness.WaitForVideoFromAsync(b, Media, aliceId);
        var paths = await a.EvaluateAsync<JsonElement>("() => window.__peer.paths()");
        Assert.Equal("host", paths[0].GetProperty("local").GetString());
    }

    [Fact]
    public async Task Connect_ThreePeopleAtOnce_EveryoneSeesEveryone()
    {
        var joins = await Task.WhenAll(
            _h.JoinAsync("three", "Alice"), _h.JoinAsync("three", "Bob"), _h.JoinAsync("three", "Carol"));
        foreach (var (page, me) in joins)
        {
            var others = joins.Select(j => j.Identity).Where(id => id != me).ToArray();
            await MeetingHarness.WaitForVideoFromAsync(page, Media, others);
        }
    }

    [Fact]
    public async Task Mute_MicrophoneAndCamera_ShowsOnTheOtherSide()
    {
        var (a, aliceId) = await _h.JoinAsync("mute", "Alice");
        var (b, _) = await _h.JoinAsync("mute", "Bob");
        await MeetingHarness.WaitForVideoFromAsync(b, Media, aliceId);

        await a.EvaluateAsync("async () => { await window.__peer.room.localParticipant.setMicrophoneEnabled(false); await window.__peer.room.localParticipant.setCameraEnabled(false); }");
        await MeetingHarness.WaitForAsync(b,
            $"(() => {{ const p = window.__peer.room.remoteParticipants.get('{aliceId}'); return p && !p.isMicrophoneEnabled && !p.isCameraEnabled; }})()",
            TimeSpan.FromSeconds(5), "Alice's microphone and camera muted on Bob's side");
        Assert.True(await b.EvaluateAsync<int>($"() => window.__peer.count('trackMuted', '{aliceId}')") >= 2);
        // The camera light goes off: the local track is stopped, not just disabled.
        Assert.Equal("none", await a.EvaluateAsync<string>("() => window.__peer.room.localParticipant.getTrackPublication('camera').track.mediaStreamTrack?.readyState ?? 'none'"));

        var before = await DecodedFromAsync(b, aliceId);
        await a.EvaluateAsync("() => window.__peer.room.localParticipant.setCameraEnabled(true)");
        await MeetingHarness.WaitForAsync(b,
            $"window.__peer.videos().then(v => v.some(x => x.identity === '{aliceId}' && !x.muted && x.framesDecoded > {before}))",
            Media, "Alice's camera back with new frames");
    }

    [Fact]
    public async Task Disconnect_Leaving_RemovesTheParticipantAndTheirVideo()
    {
        var (a, aliceId) = await _h.JoinAsync("leave", "Alice");
        var (b, _) = await _h.JoinAsync("leave", "Bob");
        await MeetingHarness.WaitForVideoFromAsync(b, Media, aliceId);

        await a.EvaluateAsync("() => window.__peer.room.disconnect()");
        await MeetingHarness.WaitForAsync(b,
            $"window.__peer.remotes().length === 0 && window.__peer.count('participantDisconnected', '{aliceId}') === 1 && !document.querySelector('video[data-identity=\"{aliceId}\"]')",
            TimeSpan.FromSeconds(5), "Alice gone from Bob's room and page");
        Assert.Equal("disconnected", await a.EvaluateAsync<string>("() => window.__peer.room.state"));
    }

    [Fact]
    public async Task Resume_DroppedWebSocket_ReconnectsWithoutOthersSeeingALeave()
    {
        await using var proxy = new TcpDropProxy(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, new Uri(_h.BaseUrl).Port));
        var (a, aliceId) = await _h.JoinAsync("resume", "Alice", new { url = $"ws://127.0.0.1:{proxy.Port}/rtc" });
        var (b, bobId) = await _h.JoinAsync("resume", "Bob");
        await MeetingHarness.WaitForVideoFromAsync(b, Media, aliceId);
        await MeetingHarness.WaitForVideoFromAsync(a, Media, bobId);

        proxy.DropAll();
        await MeetingHarness.WaitForAsync(a, "window.__peer.count('reconnecting') >= 1 && window.__peer.count('reconnected') >= 1 && window.__peer.room.state === 'connected'",
            TimeSpan.FromSeconds(15), "Alice reconnecting, then reconnected");

        // The resumed session carries signaling again (Bob hears about Alice's mute)…
        await a.EvaluateAsync("() => window.__peer.room.localParticipant.setMicrophoneEnabled(false)");
        await MeetingHarness.WaitForAsync(b, $"!window.__peer.room.remoteParticipants.get('{aliceId}')?.isMicrophoneEnabled",
            TimeSpan.FromSeconds(5), "Alice's mute after the resume");
        // …and Bob never saw Alice leave or join again, and still receives her video.
        Assert.Equal(0, await b.EvaluateAsync<int>($"() => window.__peer.count('participantDisconnected', '{aliceId}')"));
        Assert.Equal(0, await b.EvaluateAsync<int>($"() => window.__peer.count('participantConnected', '{aliceId}')"));
        var before = await DecodedFromAsync(b, aliceId);
        await MeetingHarness.WaitForAsync(b, $"window.__peer.videos().then(v => v.some(x => x.identity === '{aliceId}' && x.framesDecoded > {before}))",
            TimeSpan.FromSeconds(5), "more frames from Alice");
    }

    [Fact]
    public async Task EnableCamera_PermissionDenied_JoinsAsViewerWithAMessage()
    {
        var (a, aliceId) = await _h.JoinAsync("viewer", "Alice");
        var (v, viewerId) = await _h.JoinAsync("viewer", "Vera", permissions: ["microphone"], denyCamera: true);

        var error = await v.EvaluateAsync<string?>("() => window.__peer.mediaError");
        Assert.NotNull(error);
        Assert.StartsWith("device_denied", error);
        await MeetingHarness.WaitForVideoFromAsync(v, Media, aliceId);
        // Alice sees Vera (microphone only, no camera).
        await MeetingHarness.WaitForAsync(a,
            $"(() => {{ const p = window.__peer.room.remoteParticipants.get('{viewerId}'); return p && !p.getTrackPublication('camera'); }})()",
            TimeSpan.FromSeconds(5), "Vera in Alice's room without a camera");
    }

    [Fact]
    public async Task ScreenShare_Enabled_ArrivesAsASecondVideoTrack()
    {
        var (a, aliceId) = await _h.JoinAsync("screen", "Alice");
        var (b, _) = await _h.JoinAsync("screen", "Bob");
        await MeetingHarness.WaitForVideoFromAsync(b, Media, aliceId);

        await a.EvaluateAsync("() => window.__peer.room.localParticipant.setScreenShareEnabled(true)");
        var videos = await MeetingHarness.WaitForAsync(b,
            $"window.__peer.videos().then(v => v.some(x => x.identity === '{aliceId}' && x.source === 'screen_share' && x.framesDecoded > 0 && x.width > 0) ? v : null)",
            Media, "Alice's screen share decoded on Bob's side");
        Assert.Equal(2, videos.EnumerateArray().Count(x => x.GetProperty("identity").GetString() == aliceId));

        await a.EvaluateAsync("() => window.__peer.room.localParticipant.setScreenShareEnabled(false)");
        await MeetingHarness.WaitForAsync(b, $"window.__peer.videos().then(v => !v.some(x => x.source === 'screen_share'))",
            TimeSpan.FromSeconds(5), "the screen share gone");
    }

    private static async Task<long> DecodedFromAsync(IPage page, string identity) =>
        await page.EvaluateAsync<long>($"() => window.__peer.videos().then(v => v.filter(x => x.identity === '{identity}' && x.source === 'camera').reduce((n, x) => n + x.framesDecoded, 0))");
}
