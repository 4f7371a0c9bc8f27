using System.Text.Json;
using Confer.Browser.Tests.Meeting;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Confer.Browser.Tests.Sfu;

/// <summary>
/// What the SFU tells participants on its own, in real Chromium (docs/protocol.md, "Active speakers and dynacast"):
/// dynacast turns off the simulcast layers nobody's tile calls for at the publisher's encoder, and turns them back on
/// when a tile grows; the active speakers come from the server's RFC 6464 audio levels.
/// </summary>
public sealed class SfuServerHintsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(25);
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync(o => o.Signaling.Topology = Confer.Signaling.Topologies.Sfu);
    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>Keeps every speakersChanged and publishedLayers frame the page receives on window.__hints.</summary>
    private const string Spy = """
        () => {
          const hints = window.__hints = [];
          const onmessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
          Object.defineProperty(WebSocket.prototype, 'onmessage', {
            get() { return onmessage.get.call(this); },
            set(fn) {
              onmessage.set.call(this, (ev) => {
                try { const f = JSON.parse(ev.data); if (f.type === 'speakersChanged' || f.type === 'publishedLayers') hints.push(f); } catch { }
                return fn(ev);
              });
            },
          });
        }
        """;

    /// <summary>The camera sender's encodings (rid → active) and bytes sent per rid so far.</summary>
    private const string CameraLayers = """
        async () => {
          const room = window.__peer.room;
          const pub = [...room.localParticipant.trackPublications.values()].find((p) => p.source === 'camera');
          const layers = room._describeEngine().layers?.[pub?.trackSid] ?? null;
          const bytes = {};
          for (const pc of window.__pcs ?? []) (await pc.getStats()).forEach((s) => {
            if (s.type === 'outbound-rtp' && s.kind === 'video' && s.rid) bytes[s.rid] = s.bytesSent ?? 0;
          });
          return { layers, bytes };
        }
        """;

    private static string TileSize(int width, int height) =>
        $"() => {{ const s = document.getElementById('tile-size') ?? document.head.appendChild(Object.assign(document.createElement('style'), {{ id: 'tile-size' }})); s.textContent = 'video {{ width: {width}px; height: {height}px; }}'; }}";

    [Fact]
    public async Task Dynacast_SmallTilesEverywhere_PublisherStopsTheUpperLayers_AndALargeTileBringsThemBack()
    {
        var (alice, aliceId) = await _h.JoinAsync("sfu-dynacast", "Alice", beforeJoin: $"() => {{ ({PeerScript.KeepConnections})(); ({Spy})(); }}");
        var (bob, _) = await _h.JoinAsync("sfu-dynacast", "Bob");
        var (carol, _) = await _h.JoinAsync("sfu-dynacast", "Carol");
        foreach (var page in new[] { bob, carol }) await page.EvaluateAsync(TileSize(96, 54));

        // Both tiles are 54 px tall: q is all anyone needs; after the pause delay h and f are off at Alice's encoder.
        var off = await MeetingHarness.WaitForAsync(alice, $"({CameraLayers})().then((r) => r.layers && r.layers.q && !r.layers.h && !r.layers.f ? r : null)",
            Media, "h and f turned off at Alice's camera");
        await Task.Delay(1500); // let what was in flight leave
        var before = await alice.EvaluateAsync<JsonElement>(CameraLayers);
        await Task.Delay(2000);
        var after = await alice.EvaluateAsync<JsonElement>(CameraLayers);
        long Sent(JsonElement r, string rid) => r.GetProperty("bytes").TryGetProperty(rid, out var b) ? b.GetInt64() : 0;
        output.WriteLine($"paused: {off}; f bytes {Sent(before, "f")} → {Sent(after, "f")}, q bytes {Sent(before, "q")} → {Sent(after, "q")}");
        Assert.Equal(Sent(before, "f"), Sent(after, "f"));
        Assert.Equal(Sent(before, "h"), Sent(after, "h"));
        Assert.True(Sent(after, "q") > Sent(before, "q"), "q keeps flowing");

        // Carol makes Alice's tile large: f comes back at once (no pause delay), and Carol decodes more than q's width.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await carol.EvaluateAsync(TileSize(1280, 720));
        await MeetingHarness.WaitForAsync(alice, $"({CameraLayers})().then((r) => r.layers && r.layers.f && r.bytes.f > {Sent(after, "f")} ? r : null)",
            Media, "f sent again");
        var back = clock.Elapsed;
        var width = await MeetingHarness.WaitForAsync(carol, """
            (async () => {
              const p = [...window.__peer.room.remoteParticipants.values()].find((x) => x.identity === '{0}');
              const pub = p && [...p.trackPublications.values()].find((x) => x.source === 'camera');
              let w = 0;
              (await pub?.track?.getStats())?.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') w = s.frameWidth ?? 0; });
              return w > 320 ? w : null;
            })()
            """.Replace("{0}", aliceId), Media, "Carol decodes Alice above q's size");
        output.WriteLine($"resumed: f flowing again {back.TotalMilliseconds:0} ms after the tile grew; Carol decodes {width} px wide");
        var frames = await alice.EvaluateAsync<JsonElement>("() => window.__hints.filter((f) => f.type === 'publishedLayers')");
        Assert.True(frames.GetArrayLength() >= 2, frames.ToString());
    }

    [Fact]
    public async Task ActiveSpeakers_ComeFromTheServer()
    {
        var (alice, aliceId) = await _h.JoinAsync("sfu-speakers", "Alice");
        var (bob, _) = await _h.JoinAsync("sfu-speakers", "Bob", beforeJoin: Spy);
        var aliceSid = await alice.EvaluateAsync<string>("() => window.__peer.room.localParticipant.sid");
        // Chromium's fake microphone beeps: the server hears voice in its audio levels and names Alice.
        var frame = await MeetingHarness.WaitForAsync(bob, $"window.__hints.find((f) => f.type === 'speakersChanged' && f.speakers.some((s) => s.sid === '{aliceSid}')) ?? null",
            Media, "a speakersChanged frame naming Alice");
        output.WriteLine($"speakersChanged at Bob: {frame}");
        await MeetingHarness.WaitForAsync(bob, $"window.__peer.room.activeSpeakers.some((p) => p.identity === '{aliceId}')", Media, "Alice among Bob's active speakers");
    }
}
