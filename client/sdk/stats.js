// @ts-check
/**
 * Turns a peer connection's getStats() report into the few numbers a person cares about.
 *
 * @typedef {Object} ConnectionStats
 * @property {'direct' | 'relay' | 'unknown'} connectionType relayed when either side's selected candidate is a TURN relay
 * @property {string | undefined} localCandidateType `host`, `srflx`, `prflx` or `relay`
 * @property {string | undefined} remoteCandidateType
 * @property {string | undefined} protocol transport between this browser and the first hop (`udp`/`tcp`)
 * @property {string | undefined} relayProtocol for a local relay candidate: how we reach the TURN server (`udp`, `tcp`, `tls`)
 * @property {string | undefined} localAddress
 * @property {string | undefined} remoteAddress
 * @property {number | undefined} roundTripTime milliseconds, from ICE consent checks
 * @property {number} inboundBitrate bits per second received since the previous sample
 * @property {number} outboundBitrate bits per second sent since the previous sample
 * @property {number} packetLoss fraction (0–1) of incoming packets lost since the previous sample
 * @property {number} framesDecoded video frames decoded in total (all inbound video)
 * @property {number} framesPerSecond
 * @property {number} audioLevel loudest inbound audio level (0–1)
 * @property {number} timestamp
 * @property {'sfu'} [via] set when the media goes through Confer's SFU (the pair is to the server)
 */

/**
 * The path a connection's media takes from this side, as the server's `mediaPath` frame names it
 * (docs/protocol.md): our own candidate relayed (over udp/tcp/tls), only the other side's, or direct.
 * @param {ConnectionStats} stats
 * @returns {'direct-udp' | 'direct-tcp' | 'relay-udp' | 'relay-tcp' | 'relay-tls' | 'peer-relay' | 'sfu-udp' | 'sfu-tcp' | 'sfu-turn' | undefined}
 */
export function mediaPathOf(stats) {
  if (stats.connectionType === 'unknown') return undefined;
  // Through the SFU: to the server over UDP or TCP, or through Confer's TURN.
  if (stats.via === 'sfu') return stats.localCandidateType === 'relay' ? 'sfu-turn' : stats.protocol === 'tcp' ? 'sfu-tcp' : 'sfu-udp';
  if (stats.localCandidateType === 'relay') {
    const via = stats.relayProtocol;
    return via === 'tls' ? 'relay-tls' : via === 'tcp' ? 'relay-tcp' : 'relay-udp';
  }
  if (stats.remoteCandidateType === 'relay') return 'peer-relay';
  return stats.protocol === 'tcp' ? 'direct-tcp' : 'direct-udp';
}

/**
 * @param {RTCStatsReport} report
 * @param {ConnectionStats | undefined} previous
 * @param {{ bytesIn: number, bytesOut: number, packetsIn: number, lostIn: number, at: number } | undefined} prevTotals
 * @returns {{ stats: ConnectionStats, totals: { bytesIn: number, bytesOut: number, packetsIn: number, lostIn: number, at: number } }}
 */
export function summarize(report, previous, prevTotals) {
  /** @type {Map<string, any>} */
  const byId = new Map();
  report.forEach((s) => byId.set(s.id, s));
  let pair;
  for (const s of byId.values()) {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = byId.get(s.selectedCandidatePairId);
  }
  if (!pair) {
    for (const s of byId.values()) if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
  }
  const local = pair ? byId.get(pair.localCandidateId) : undefined;
  const remote = pair ? byId.get(pair.remoteCandidateId) : undefined;

  let bytesIn = 0, bytesOut = 0, packetsIn = 0, lostIn = 0, framesDecoded = 0, fps = 0, audioLevel = 0;
  for (const s of byId.values()) {
    if (s.type === 'inbound-rtp') {
      bytesIn += s.bytesReceived ?? 0;
      packetsIn += s.packetsReceived ?? 0;
      lostIn += Math.max(0, s.packetsLost ?? 0);
      if (s.kind === 'video') { framesDecoded += s.framesDecoded ?? 0; fps = Math.max(fps, s.framesPerSecond ?? 0); }
      if (s.kind === 'audio') audioLevel = Math.max(audioLevel, s.audioLevel ?? 0);
    } else if (s.type === 'outbound-rtp') {
      bytesOut += s.bytesSent ?? 0;
    }
  }
  const at = performance.now();
  const seconds = prevTotals ? (at - prevTotals.at) / 1000 : 0;
  const rate = (/** @type {number} */ now, /** @type {number} */ before) => seconds > 0 ? Math.max(0, Math.round(((now - before) * 8) / seconds)) : 0;
  const newPackets = prevTotals ? packetsIn - prevTotals.packetsIn : 0;
  const newLost = prevTotals ? lostIn - prevTotals.lostIn : 0;
  const relayed = local?.candidateType === 'relay' || remote?.candidateType === 'relay';
  /** @type {ConnectionStats} */
  const stats = {
    connectionType: pair ? (relayed ? 'relay' : 'direct') : 'unknown',
    localCandidateType: local?.candidateType,
    remoteCandidateType: remote?.candidateType,
    protocol: local?.protocol,
    relayProtocol: local?.candidateType === 'relay' ? local?.relayProtocol : undefined,
    localAddress: local ? `${local.address ?? local.ip}:${local.port}` : undefined,
    remoteAddress: remote ? `${remote.address ?? remote.ip}:${remote.port}` : undefined,
    roundTripTime: pair?.currentRoundTripTime !== undefined ? Math.round(pair.currentRoundTripTime * 1000) : previous?.roundTripTime,
    inboundBitrate: prevTotals ? rate(bytesIn, prevTotals.bytesIn) : 0,
    outboundBitrate: prevTotals ? rate(bytesOut, prevTotals.bytesOut) : 0,
    packetLoss: newPackets + newLost > 0 ? Math.max(0, newLost) / (newPackets + newLost) : 0,
    framesDecoded,
    framesPerSecond: fps,
    audioLevel,
    timestamp: Date.now(),
  };
  return { stats, totals: { bytesIn, bytesOut, packetsIn, lostIn, at } };
}

/**
 * Loudest level of our own outgoing audio (media-source audioLevel).
 * @param {RTCStatsReport} report
 */
export function localAudioLevel(report) {
  let level = 0;
  report.forEach((s) => { if (s.type === 'media-source' && s.kind === 'audio') level = Math.max(level, s.audioLevel ?? 0); });
  return level;
}

/**
 * Total audio energy and duration so far, for inbound audio (`inbound-rtp`) or our own
 * microphone (`media-source`). Two samples give the mean level between them.
 * @param {RTCStatsReport} report
 * @param {'inbound-rtp' | 'media-source'} type
 */
export function audioEnergy(report, type) {
  let energy = 0, duration = 0;
  report.forEach((s) => {
    if (s.type === type && s.kind === 'audio') {
      energy += s.totalAudioEnergy ?? 0;
      duration += s.totalSamplesDuration ?? 0;
    }
  });
  return { energy, duration };
}

/**
 * Mean audio level between two energy samples (root of mean power).
 * @param {{ energy: number, duration: number } | undefined} before
 * @param {{ energy: number, duration: number }} after
 */
export function levelBetween(before, after) {
  if (!before) return 0;
  const d = after.duration - before.duration;
  return d > 0 ? Math.sqrt(Math.max(0, after.energy - before.energy) / d) : 0;
}
