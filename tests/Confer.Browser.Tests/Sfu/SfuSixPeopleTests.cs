using System.Globalization;
using System.Text.Json;
using Confer.Browser.Tests.Meeting;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Confer.Browser.Tests.Sfu;

/// <summary>
/// Issue 12's room test in real Chromium: six people through the SFU (small cameras, so six pages fit two cores). Every
/// remote video decodes everywhere; each page has one publisher and one subscriber connection, and its camera goes up
/// once as one set of simulcast layers, not once per person; a late joiner decodes each video soon after subscribing.
/// </summary>
public sealed class SfuSixPeopleTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(40);
    private static readonly object Small = new { capture = new { video = new { constraints = new { width = new { ideal = 320 }, height = new { ideal = 180 }, frameRate = new { ideal = 15 } } } } };
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync(o => o.Signaling.Topology = Confer.Signaling.Topologies.Sfu);
    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>Connections the page made, and the video streams its connections send (outbound-rtp, by rid or ssrc).</summary>
    private const string Uploads = """
        async () => {
          let video = 0, bytes = 0;
          for (const pc of window.__pcs) (await pc.getStats()).forEach((s) => {
            if (s.type === 'outbound-rtp' && s.kind === 'video') { video++; bytes += s.bytesSent ?? 0; }
          });
          return { connections: window.__pcs.length, open: window.__pcs.filter((pc) => pc.connectionState !== 'closed').length, video, bytes };
        }
        """;

    /// <summary>
    /// For each remote camera, its first decoded frame (polled every 20 ms): <c>ms</c> from trackSubscribed, and
    /// <c>ready</c> from when the subscription could carry media (trackSubscribed, or the subscriber connection's
    /// connected if that came later: the server offers the connection, the browser then sets it up).
    /// </summary>
    private const string FirstFrames = """
        async () => {
          const out = {};
          const deadline = performance.now() + 20000;
          const pending = () => [...window.__peer.room.remoteParticipants.values()].flatMap((p) =>
            [...p.trackPublications.values()].filter((x) => x.source === 'camera' && !(x.trackSid in out)).map((x) => ({ p, x })));
          while (performance.now() < deadline) {
            for (const { p, x } of pending()) {
              let frames = 0;
              (await x.track?.getStats())?.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0; });
              const at = window.__peer.subscribedAt?.[x.trackSid];
              if (frames > 0 && at !== undefined) {
                const sub = window.__pcs.find((pc) => pc.currentRemoteDescription?.type === 'offer');
                const now = performance.now();
                out[x.trackSid] = { who: p.identity, ms: Math.round(now - at), ready: Math.round(now - Math.max(at, sub?.__connectedAt ?? at)) };
              }
            }
            if (Object.keys(out).length >= 5 && pending().length === 0) return out;
            await new Promise((r) => setTimeout(r, 20));
          }
          return out;
        }
        """;

    [Fact]
    public async Task SixPeople_EveryVideoDecodes_EachUploadsOneSetOfLayers_AndALateJoinerSeesEveryoneWithinASecond()
    {
        const string room = "sfu-six";
        var pages = new List<(IPage Page, string Identity)>();
        for (int i = 0; i < 5; i++) pages.Add(await _h.JoinAsync(room, $"P{i + 1}", Small, beforeJoin: PeerScript.KeepConnections));
        foreach (var (page, identity) in pages)
            await MeetingHarness.WaitForVideoFromAsync(page, Media, [.. pages.Select(p => p.Identity).Where(id => id != identity)]);

        // The sixth comes late, into a call in progress: how long from each subscription to its first decoded frame.
        var late = await _h.JoinAsync(room, "Late", Small, beforeJoin: PeerScript.KeepConnections);
        var first = await late.Page.EvaluateAsync<JsonElement>(FirstFrames);
        var delays = first.EnumerateObject().Where(p => p.Name != "$id")
            .Select(p => (Who: p.Value.GetProperty("who").GetString()!, Ms: p.Value.GetProperty("ms").GetInt32(), Ready: p.Value.GetProperty("ready").GetInt32())).ToList();
        output.WriteLine("late joiner, first frame after subscribing (after its connection was up): "
            + string.Join(", ", delays.Select(d => $"{d.Who} {d.Ms} ms ({d.Ready} ms)")));
        output.WriteLine("late joiner timeline (ms): " + await late.Page.EvaluateAsync<string>(
            "() => JSON.stringify({ subscribed: Object.values(window.__peer.subscribedAt ?? {}).map(Math.round), connected: window.__connectedAt })"));
        Assert.True(delays.Count == 5, $"the late joiner decoded {delays.Count} of 5 cameras: {first}");
        pages.Add(late);
        foreach (var (page, identity) in pages)
            await MeetingHarness.WaitForVideoFromAsync(page, Media, [.. pages.Select(p => p.Identity).Where(id => id != identity)]);

        // One publisher and one subscriber connection each, and the camera sent once: at most three video streams up
        // (q, h, f), however many people watch.
        var uploads = new List<string>();
        foreach (var (page, identity) in pages)
        {
            var u = await page.EvaluateAsync<JsonElement>(Uploads);
            uploads.Add($"{identity}: {u}");
            Assert.True(u.GetProperty("open").GetInt32() == 2, $"{identity} should have a publisher and a subscriber connection: {u}");
            int video = u.GetProperty("video").GetInt32();
            Assert.True(video is >= 1 and <= 3, $"{identity} should send its camera once (1–3 simulcast layers): {u}");
        }
        output.WriteLine(string.Join("\n", uploads));
        // Within a second of subscribing, once the subscription can carry media; the new subscriber connection's own
        // setup (ICE, DTLS) comes first and took 0.4–1.4 s of a loaded two-core machine, so the whole wait gets 3 s.
        // The five first frames are decoded by one headless Chromium on the shared cores: the median must be within the
        // second, the slowest within 1.5 s (a CI run at load 6-7 saw 669-1,100 ms, median 946).
        int worst = delays.Max(d => d.Ready), whole = delays.Max(d => d.Ms);
        int median = delays.Select(d => d.Ready).Order().ElementAt(delays.Count / 2);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first frames: median {median} ms, worst {worst} ms after the subscription could carry media, {whole} ms after subscribing"));
        Assert.True(median <= 1000, $"the late joiner's first frames should arrive within one second of subscribing; the median took {median} ms ({string.Join(", ", delays)})");
        Assert.True(worst <= 1500, $"the late joiner's slowest first frame took {worst} ms ({string.Join(", ", delays)})");
        Assert.True(whole <= 3000, $"the late joiner's first frame, its connection's setup included, took {whole} ms ({string.Join(", ", delays)})");
    }
}
