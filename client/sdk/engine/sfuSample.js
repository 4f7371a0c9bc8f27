// @ts-check
import { summarize, audioEnergy, levelBetween } from '../stats.js';

/** @typedef {{ participantSid: string, trackSid: string }} MidTrack */
/** @typedef {{ stats?: any, totals?: any, energy?: { energy: number, duration: number } }} SampleState */

/**
 * One statistics round of the SFU engine (SfuEngine.js): per participant, the subscriber connection's inbound streams
 * of their tracks (found by mid) with the shared transport and the publisher's outbound streams; our own level from the
 * publisher connection's media source. What the previous round left per sid (`samples`, '' for our microphone) turns
 * totals into rates. Everything the engine may replace while the reports are awaited is read through a function.
 * @param {{
 *   sub: RTCPeerConnection | undefined, pub: RTCPeerConnection | undefined,
 *   mids: () => Map<string, MidTrack>, people: Set<string>, samples: Map<string, SampleState>,
 *   level: (sid: string, level: number) => number,
 *   noteStats: (pc: RTCPeerConnection, report: RTCStatsReport) => void,
 *   stopped: () => boolean,
 * }} from
 * @returns {Promise<import('./MediaEngine.js').EngineSample | null>} null when the engine stopped meanwhile
 */
export async function sampleSfu(from) {
  /** @type {import('./MediaEngine.js').EngineSample} */
  const sample = { stats: new Map(), levels: new Map(), localLevel: 0 };
  const { sub, pub, people, samples } = from;
  const [subReport, pubReport] = await Promise.all([
    sub && sub.connectionState === 'connected' ? sub.getStats() : null,
    pub && pub.connectionState === 'connected' ? pub.getStats() : null,
  ]);
  if (from.stopped()) return null;
  if (sub && subReport) from.noteStats(sub, subReport);
  if (pub && pubReport) from.noteStats(pub, pubReport);
  if (subReport) {
    const mids = from.mids();
    /** @type {Map<string, string>} receiver track id → mid */
    const midOfTrack = new Map();
    for (const t of sub?.getTransceivers() ?? []) if (t.mid !== null && t.receiver.track) midOfTrack.set(t.receiver.track.id, t.mid);
    /** @type {any[]} */
    const shared = [];
    /** @type {Map<string, any[]>} by participant sid */
    const inbound = new Map();
    subReport.forEach((s) => {
      if (s.type !== 'inbound-rtp') { shared.push(s); return; }
      const mid = s.mid ?? midOfTrack.get(s.trackIdentifier);
      const who = mid !== undefined ? mids.get(mid) : undefined;
      if (!who) return;
      const list = inbound.get(who.participantSid) ?? [];
      list.push(s);
      inbound.set(who.participantSid, list);
    });
    const outbound = [];
    pubReport?.forEach((s) => { if (s.type === 'outbound-rtp') outbound.push({ ...s, id: `pub:${s.id}` }); });
    for (const sid of people) {
      /** @type {Map<string, any>} */
      const part = new Map();
      for (const s of [...shared, ...(inbound.get(sid) ?? []), ...outbound]) part.set(s.id, s);
      const report = /** @type {RTCStatsReport} */ (/** @type {unknown} */ (part));
      const s = samples.get(sid) ?? {};
      const { stats, totals } = summarize(report, s.stats, s.totals);
      stats.via = 'sfu';
      s.stats = stats;
      s.totals = totals;
      sample.stats.set(sid, stats);
      const energy = audioEnergy(report, 'inbound-rtp');
      sample.levels.set(sid, from.level(sid, levelBetween(s.energy, energy)));
      s.energy = energy;
      samples.set(sid, s);
    }
  }
  if (pubReport) {
    const mine = audioEnergy(pubReport, 'media-source');
    const local = samples.get('') ?? {};
    sample.localLevel = levelBetween(local.energy, mine);
    local.energy = mine;
    samples.set('', local);
  }
  return sample;
}
