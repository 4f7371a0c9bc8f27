using System.Text.Json;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Cluster;

/// <summary>
/// A watcher inside a meeting page (after <see cref="Meeting.PeerScript"/>): every 100 ms it reads the frames decoded
/// of each remote camera track and notes, by the page's wall clock (<c>Date.now()</c>, the same clock as the test's),
/// when each remote person's video last advanced and the longest pause between two advances. After <see cref="MarkAsync"/>
/// (the moment of a failure) it notes when each person's video is flowing again: frames advancing on a shown video while
/// the SDK is connected and has come back (<c>reconnected</c>) since the mark. A track frozen by the failure does not
/// count: its frames do not advance.
/// </summary>
internal static class VideoFlow
{
    private const string Script = """
        () => {
          const room = window.__peer.room;
          const flow = window.__flow = { mark: 0, prev: new Map(), last: {}, pause: {}, back: {}, reconnectedAt: 0, busy: false };
          room.on('reconnected', () => { if (flow.mark && !flow.reconnectedAt) flow.reconnectedAt = Date.now(); });
          flow.timer = setInterval(async () => {
            if (flow.busy) return;
            flow.busy = true;
            try {
              for (const p of room.remoteParticipants.values()) {
                for (const pub of p.trackPublications.values()) {
                  if (pub.kind !== 'video' || pub.source !== 'camera' || !pub.track) continue;
                  let frames = 0;
                  const report = await pub.track.getStats();
                  report?.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0; });
                  const t = Date.now();
                  const before = flow.prev.get(pub.trackSid);
                  flow.prev.set(pub.trackSid, frames);
                  const width = pub.track.attachedElements[0]?.videoWidth ?? 0;
                  if (before === undefined || frames <= before || width === 0) continue;
                  const id = p.identity;
                  if (flow.last[id] !== undefined) flow.pause[id] = Math.max(flow.pause[id] ?? 0, t - flow.last[id]);
                  flow.last[id] = t;
                  if (flow.mark && flow.back[id] === undefined && flow.reconnectedAt && room.state === 'connected') flow.back[id] = t;
                }
              }
            } finally { flow.busy = false; }
          }, 100);
        }
        """;

    public static Task StartAsync(IPage page) => page.EvaluateAsync(Script);

    /// <summary>From now on, the watcher notes when video comes back; the longest pause is counted afresh.</summary>
    public static Task MarkAsync(IPage page, long unixMs) =>
        page.EvaluateAsync("(t) => { window.__flow.mark = t; window.__flow.pause = {}; window.__flow.back = {}; window.__flow.reconnectedAt = 0; }", unixMs);

    /// <summary>When (Unix ms) <paramref name="identity"/>'s video was flowing again after the mark; null while it is not.</summary>
    public static async Task<long?> BackAtAsync(IPage page, string identity)
    {
        var v = await page.EvaluateAsync<JsonElement>($"() => window.__flow.back[{JsonSerializer.Serialize(identity)}] ?? null");
        return v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
    }

    /// <summary>When (Unix ms) the SDK said <c>reconnected</c> after the mark; null before.</summary>
    public static async Task<long?> ReconnectedAtAsync(IPage page)
    {
        var v = await page.EvaluateAsync<long>("() => window.__flow.reconnectedAt");
        return v > 0 ? v : null;
    }

    /// <summary>The longest pause (ms) of <paramref name="identity"/>'s video since the mark, up to its last advance.</summary>
    public static Task<long> LongestPauseAsync(IPage page, string identity) =>
        page.EvaluateAsync<long>($"() => window.__flow.pause[{JsonSerializer.Serialize(identity)}] ?? 0");

    /// <summary>How long ago (ms) <paramref name="identity"/>'s video last advanced; -1 when it never did.</summary>
    public static Task<long> SinceLastAdvanceAsync(IPage page, string identity) =>
        page.EvaluateAsync<long>($"() => {{ const t = window.__flow.last[{JsonSerializer.Serialize(identity)}]; return t === undefined ? -1 : Date.now() - t; }}");
}
