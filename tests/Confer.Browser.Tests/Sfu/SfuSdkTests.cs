using System.Text.Json;
using Confer.Browser.Tests.Meeting;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Sfu;

/// <summary>
/// The SDK's SfuEngine (client/sdk/engine/SfuEngine.js) in real Chromium against a Confer running <c>--topology sfu</c>:
/// the unchanged SDK API (connect, enableCameraAndMicrophone, mute, screen share, publishData) works through the SFU,
/// every page has one publisher and one subscriber connection to the server and none to another browser.
/// </summary>
public sealed class SfuSdkTests : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(25);
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync(o => o.Signaling.Topology = Confer.Signaling.Topologies.Sfu, withTurn: true);
    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>
    /// Keeps every RTCPeerConnection the page makes on window.__pcs, every data message received on window.__got, and
    /// every server error as "type of the frame it answers: message" on window.__errors.
    /// </summary>
    private const string Spy = $$"""
        () => {
          ({{PeerScript.KeepConnections}})();
          window.__got = [];
          const sent = {}, errors = window.__errors = [];
          const send = WebSocket.prototype.send;
          WebSocket.prototype.send = function (d) { try { const f = JSON.parse(d); if (f.id) sent[f.id] = f.type; } catch { } return send.call(this, d); };
          const onmessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
          Object.defineProperty(WebSocket.prototype, 'onmessage', {
            get() { return onmessage.get.call(this); },
            set(fn) {
              onmessage.set.call(this, (ev) => {
                try { const f = JSON.parse(ev.data); if (f.type === 'error') errors.push(`${sent[f.re]}: ${f.message}`); } catch { }
                return fn(ev);
              });
            },
          });
        }
        """;

    private async Task<(IPage Page, string Identity)> JoinAsync(string room, string name)
    {
        var (page, identity) = await _h.JoinAsync(room, name, beforeJoin: Spy);
        await page.EvaluateAsync("() => window.__peer.room.on('dataReceived', (payload, p, topic) => window.__got.push({ text: new TextDecoder().decode(payload), from: p?.identity ?? null, topic }))");
        return (page, identity);
    }

    /// <summary>Inbound audio bytes per remote identity, from each microphone track's receiver.</summary>
    private const string AudioBytes = """
        async () => {
          const out = {};
          for (const p of window.__peer.room.remoteParticipants.values())
            for (const pub of p.trackPublications.values()) {
              if (pub.kind !== 'audio' || !pub.track) continue;
              const report = await pub.track.getStats();
              report?.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'audio') out[p.identity] = (out[p.identity] ?? 0) + (s.bytesReceived ?? 0); });
            }
          return out;
        }
        """;

    /// <summary>Each connection's selected candidate pair, from raw getStats.</summary>
    private const string SelectedPairs = """
        async () => {
          const out = [];
          for (const pc of window.__pcs) {
            const byId = new Map();
            (await pc.getStats()).forEach((s) => byId.set(s.id, s));
            for (const t of byId.values()) if (t.type === 'transport') {
              const pair = byId.get(t.selectedCandidatePairId), l = pair && byId.get(pair.localCandidateId), r = pair && byId.get(pair.remoteCandidateId);
              out.push(`${l?.candidateType}/${l?.protocol}/${l?.relayProtocol ?? ''} ${l?.address}:${l?.port} -> ${r?.candidateType}/${r?.protocol} ${r?.address}:${r?.port}`);
            }
          }
          return out.join('; ');
        }
        """;

    [Fact]
    public async Task ThreePeople_ThroughTheSfu_EachDecodesTheOthersVideoAndHearsAudio()
    {
        var (a, alice) = await JoinAsync("sfu-sdk-3", "Alice");
        var (b, bob) = await JoinAsync("sfu-sdk-3", "Bob");
        var (c, carol) = await JoinAsync("sfu-sdk-3", "Carol");
        var pages = new[] { (a, alice), (b, bob), (c, carol) };
        foreach (var (page, me) in pages)
        {
            var others = pages.Where(x => x.Item2 != me).Select(x => x.Item2).ToArray();
            await MeetingHarness.WaitForVideoFromAsync(page, Media, others);
            await MeetingHarness.WaitForAsync(page, $"({AudioBytes})().then(o => {JsonSerializer.Serialize(others)}.every(id => o[id] > 0) ? o : null)", Media, $"audio from {string.Join(", ", others)} at {me}");
        }
        foreach (var (page, me) in pages)
        {
            // Exactly two connections, both to the server: one sends, one receives.
            var pcs = await page.EvaluateAsync<JsonElement>("""
                () => window.__pcs.map((pc) => ({ state: pc.connectionState,
                  dirs: pc.getTransceivers().map((t) => t.currentDirection).filter((d) => d && d !== 'inactive' && d !== 'stopped') }))
                """);
            Assert.Equal(2, pcs.GetArrayLength());
            var dirs = pcs.EnumerateArray().Select(x => string.Join(",", x.GetProperty("dirs").EnumerateArray().Select(d => d.GetString()).Distinct())).Order().ToList();
            Assert.Equal(["recvonly", "sendonly"], dirs);
            Assert.Equal("sfu", await page.EvaluateAsync<string>("() => window.__peer.room._describeEngine().topology"));
            // Connection state and stats per remote participant follow the subscriber connection.
            await MeetingHarness.WaitForAsync(page, "[...window.__peer.room.remoteParticipants.values()].every((p) => p.connectionState === 'connected' && p.connectionStats?.via === 'sfu' && p.connectionStats.framesDecoded > 0)", Media, $"connected stats at {me}");
        }
        // The server took every frame the SDK sent (publisherOffer, subscriberAnswer, updateSubscription, mediaPath sfu-*):
        // one subscriber offer at a time, so no answer crosses a newer offer on the wire.
        foreach (var (page, me) in pages)
        {
            var errors = await page.EvaluateAsync<string[]>("() => window.__errors");
            Assert.True(errors.Length == 0, $"server errors at {me}: {string.Join("; ", errors)}");
        }
        // The operator sees the paths: each of the three reported its two others as one through the SFU (mediaPath frames),
        // as its selected candidate pair says (sfu-udp, sfu-tcp or sfu-turn, whichever Chromium selected on this loopback machine).
        string metrics = "";
        int sfu = 0, mesh = 0;
        for (var until = DateTime.UtcNow + TimeSpan.FromSeconds(10); DateTime.UtcNow < until && sfu < 6; await Task.Delay(200))
        {
            var counts = (metrics = await _h.ScrapeMetricsAsync()).Split('\n').Where(l => l.StartsWith("confer_media_paths_total{", StringComparison.Ordinal))
                .Select(l => (Sfu: l.Contains("path=\"sfu-", StringComparison.Ordinal), N: (int)double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture))).ToList();
            sfu = counts.Where(c => c.Sfu).Sum(c => c.N);
            mesh = counts.Where(c => !c.Sfu).Sum(c => c.N);
        }
        // At least one report per pair; a pair that changes later (UDP, ICE-TCP, TURN) is reported again.
        Assert.True(sfu >= 6 && mesh == 0, string.Join("\n", metrics.Split('\n').Where(l => l.StartsWith("confer_media_paths_total", StringComparison.Ordinal)))
            + "\n" + await a.EvaluateAsync<string>(SelectedPairs));
        // The others hear Alice's fake microphone (its beep): she becomes an active speaker through the SFU's connections.
        await MeetingHarness.WaitForAsync(b, $"window.__peer.room.activeSpeakers.some((p) => p.identity === '{alice}')", Media, "Alice among Bob's active speakers");
    }

    [Fact]
    public async Task MuteScreenShareAndData_ThroughTheSfu_ArriveAtTheOthers()
    {
        var (a, alice) = await JoinAsync("sfu-sdk-misc", "Alice");
        var (b, _) = await JoinAsync("sfu-sdk-misc", "Bob");
        await MeetingHarness.WaitForVideoFromAsync(b, Media, alice);

        await a.EvaluateAsync("() => window.__peer.room.localParticipant.setMicrophoneEnabled(false)");
        await MeetingHarness.WaitForAsync(b, $"[...window.__peer.room.remoteParticipants.get('{alice}').trackPublications.values()].some((p) => p.source === 'microphone' && p.isMuted)", Media, "Alice's microphone muted at Bob");
        await a.EvaluateAsync("() => window.__peer.room.localParticipant.setMicrophoneEnabled(true)");
        await MeetingHarness.WaitForAsync(b, $"[...window.__peer.room.remoteParticipants.get('{alice}').trackPublications.values()].some((p) => p.source === 'microphone' && !p.isMuted)", Media, "Alice's microphone unmuted at Bob");

        await a.EvaluateAsync("() => window.__peer.room.localParticipant.setScreenShareEnabled(true)");
        await MeetingHarness.WaitForAsync(b, "window.__peer.videos().then((v) => v.some((x) => x.source === 'screen_share' && x.framesDecoded > 0 && x.width > 0) ? v : null)", Media, "Alice's screen decoded at Bob");
        // The camera keeps decoding beside it (the subscriber connection was renegotiated, not replaced).
        await MeetingHarness.WaitForVideoFromAsync(b, Media, alice);

        await a.EvaluateAsync("() => window.__peer.room.localParticipant.publishData('through the server', { topic: 'sfu' })");
        var got = await MeetingHarness.WaitForAsync(b, "window.__got.length ? window.__got : null", Media, "Alice's data message at Bob");
        Assert.Equal("through the server", got[0].GetProperty("text").GetString());
        Assert.Equal(alice, got[0].GetProperty("from").GetString());
    }

    [Fact]
    public async Task Simulcast_SmallAndLargeSubscribers_PublisherSendsThreeLayersAndTheSmallGetsALowerOne()
    {
        var (a, alice) = await JoinAsync("sfu-sdk-layers", "Alice");
        var (small, _) = await JoinAsync("sfu-sdk-layers", "Small");
        var (large, _) = await JoinAsync("sfu-sdk-layers", "Large");
        await small.EvaluateAsync("() => { const s = document.createElement('style'); s.textContent = 'video { width: 80px; height: 60px; }'; document.head.append(s); }");
        await large.EvaluateAsync("() => { const s = document.createElement('style'); s.textContent = 'video { width: 1280px; height: 720px; }'; document.head.append(s); }");

        // The publisher's camera goes out as rids q, h and f.
        var rids = await MeetingHarness.WaitForAsync(a, """
            (async () => {
              const rids = {};
              for (const pc of window.__pcs) (await pc.getStats()).forEach((s) => {
                if (s.type === 'outbound-rtp' && s.kind === 'video' && s.rid && s.bytesSent > 0) rids[s.rid] = `${s.frameWidth ?? 0}x${s.frameHeight ?? 0}`;
              });
              return Object.keys(rids).length === 3 ? rids : null;
            })()
            """, Media, "three simulcast layers sent");
        Assert.True(rids.TryGetProperty("q", out _) && rids.TryGetProperty("h", out _) && rids.TryGetProperty("f", out _), rids.ToString());

        const string Width = $$"""
            (async () => {
              const p = [...window.__peer.room.remoteParticipants.values()].find((x) => x.identity === '{0}');
              const pub = p && [...p.trackPublications.values()].find((x) => x.source === 'camera');
              if (!pub?.track) return null;
              let w = 0;
              (await pub.track.getStats())?.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') w = s.frameWidth ?? 0; });
              return w > 0 ? w : null;
            })()
            """;
        int smallWidth = 0, largeWidth = 0;
        var deadline = DateTime.UtcNow + Media;
        while (DateTime.UtcNow < deadline)
        {
            smallWidth = (await MeetingHarness.WaitForAsync(small, Width.Replace("{0}", alice), Media, "Alice's video at Small")).GetInt32();
            largeWidth = (await MeetingHarness.WaitForAsync(large, Width.Replace("{0}", alice), Media, "Alice's video at Large")).GetInt32();
            if (smallWidth < largeWidth) break;
            await Task.Delay(500);
        }
        Console.WriteLine($"simulcast: layers sent {rids}; the small subscriber decodes {smallWidth} px wide, the large one {largeWidth} px");
        Assert.True(smallWidth < largeWidth, $"small {smallWidth} px, large {largeWidth} px; layers sent {rids}");
    }
}
