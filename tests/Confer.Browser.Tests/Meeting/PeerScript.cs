namespace Confer.Browser.Tests.Meeting;

/// <summary>The test-side helper injected into every meeting test page (window.__peer): joins with the SDK and reports what arrived.</summary>
internal static class PeerScript
{
    public static readonly string Source = "window.__conferDebug = " + DebugFunction + ";\n" + """
// Test-side helper injected into every page of the meeting tests: joins with the SDK the way an
// app would, attaches every remote track to the page, and answers questions about what arrived.
window.__peer = {
  room: null,
  events: [],
  /** A media engine for the next join (RoomOptions.engine); undefined: the SDK's default. */
  engine: undefined,
  async join(room, name, opts = {}) {
    const sdk = await import('/sdk/confer.js');
    // opts.token: a token the test minted (other grants than /api/token gives).
    let token = opts.token, url = '/rtc';
    if (!token) {
      const res = await fetch('/api/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ room, name }) });
      if (!res.ok) throw new Error(`token: ${res.status}`);
      ({ token, url } = await res.json());
    }
    const r = await sdk.connect(opts.url ?? url, token, { rtcConfig: opts.rtcConfig, engine: this.engine });
    this.room = r;
    for (const ev of Object.values(sdk.RoomEvent)) {
      r.on(ev, (...args) => {
        const who = args.find((a) => a && typeof a === 'object' && 'identity' in a);
        this.events.push({ ev, who: who?.identity, arg: typeof args[0] === 'string' ? args[0] : undefined, t: Date.now() });
      });
    }
    r.on('trackSubscribed', (track, pub, p) => {
      (this.subscribedAt ??= {})[pub.trackSid] = performance.now();
      const el = track.attach();
      el.dataset.identity = p.identity;
      el.dataset.source = pub.source;
      el.dataset.sid = pub.trackSid;
      document.body.append(el);
    });
    r.on('trackUnsubscribed', (track) => { for (const el of track.detach()) el.remove(); });
    this.mediaError = null;
    if (opts.publish !== false) {
      // opts.capture: enableCameraAndMicrophone's options (e.g. a small camera, so many pages fit two cores).
      try { await r.localParticipant.enableCameraAndMicrophone(opts.capture); }
      catch (e) { this.mediaError = `${e.code}: ${e.message}`; }
    }
    return r.localParticipant.identity;
  },
  /** Every remote video: who, source, frames decoded, element width. */
  async videos() {
    const out = [];
    for (const p of this.room.remoteParticipants.values()) {
      for (const pub of p.trackPublications.values()) {
        if (pub.kind !== 'video') continue;
        let framesDecoded = 0;
        const report = pub.track ? await pub.track.getStats() : null;
        report?.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') framesDecoded += s.framesDecoded ?? 0; });
        const el = pub.track?.attachedElements[0];
        out.push({ identity: p.identity, source: pub.source, muted: pub.isMuted, framesDecoded, width: el?.videoWidth ?? 0 });
      }
    }
    return out;
  },
  /** The selected candidate pair to each remote participant, read from raw getStats. */
  async paths() {
    const out = [];
    for (const p of this.room.remoteParticipants.values()) {
      const report = await p.getStats();
      const byId = new Map();
      report?.forEach((s) => byId.set(s.id, s));
      let pair;
      for (const s of byId.values()) if (s.type === 'transport' && s.selectedCandidatePairId) pair = byId.get(s.selectedCandidatePairId);
      const local = pair && byId.get(pair.localCandidateId);
      const remote = pair && byId.get(pair.remoteCandidateId);
      // Every pair ICE tried: local relay protocol → remote candidate, state, nominated; for failure messages.
      const pairs = [...byId.values()].filter((s) => s.type === 'candidate-pair').map((s) => {
        const l = byId.get(s.localCandidateId), r = byId.get(s.remoteCandidateId);
        return `${l?.candidateType}/${l?.relayProtocol ?? l?.protocol}:${l?.port}->${r?.candidateType}:${r?.port} ${s.state}${s.nominated ? ' nominated' : ''} req=${s.requestsSent} resp=${s.responsesReceived}`;
      });
      const candidates = [...byId.values()].filter((s) => s.type === 'local-candidate' || s.type === 'remote-candidate')
        .map((c) => `${c.type === 'local-candidate' ? 'local' : 'remote'} ${c.candidateType}/${c.relayProtocol ?? c.protocol}:${c.port}`);
      out.push({ identity: p.identity, local: local?.candidateType ?? null, remote: remote?.candidateType ?? null,
        relayProtocol: local?.relayProtocol ?? null, sdk: p.connectionStats ?? null, pairs, candidates });
    }
    return out;
  },
  debug() { return window.__conferDebug(this.room); },
  remotes() { return [...this.room.remoteParticipants.keys()]; },
  count(ev, who) { return this.events.filter((e) => e.ev === ev && (who === undefined || e.who === who)).length; },
};
""";

    /// <summary>
    /// A JS function to run before joining: keeps every RTCPeerConnection the page makes on <c>window.__pcs</c> (for raw
    /// getStats and SDP), and when each became connected (performance.now, ms) on <c>window.__connectedAt</c> and on the connection's
    /// own <c>__connectedAt</c>.
    /// </summary>
    public const string KeepConnections = """
        () => {
          const pcs = window.__pcs = [];
          const connectedAt = window.__connectedAt = [];
          const Native = window.RTCPeerConnection;
          window.RTCPeerConnection = function (...args) {
            const pc = new Native(...args);
            pcs.push(pc);
            pc.addEventListener('connectionstatechange', () => { if (pc.connectionState === 'connected') connectedAt.push(pc.__connectedAt = Math.round(performance.now())); });
            return pc;
          };
          window.RTCPeerConnection.prototype = Native.prototype;
        }
        """;

    /// <summary>A JS function (room) => string describing peers, transceivers, publications and events, for failure messages.</summary>
    public const string DebugFunction = """
(room) => JSON.stringify({ me: room.localParticipant.identity, state: room.state, mediaError: window.__peer?.mediaError,
  remotes: [...room.remoteParticipants.values()].map((p) => ({ id: p.identity, state: p.connectionState, ...(room._describeEngine?.()[p.sid] ?? {}),
    pubs: [...p.trackPublications.values()].map((x) => `${x.source}:${x.isSubscribed}:${x.isMuted}`),
    videos: [...p.trackPublications.values()].filter((x) => x.kind === 'video').flatMap((x) => (x.track?.attachedElements ?? []).map((v) =>
      `${x.source}: paused=${v.paused} ready=${v.readyState} w=${v.videoWidth} frames=${v.getVideoPlaybackQuality?.().totalVideoFrames} inDom=${v.isConnected} track=${x.track.mediaStreamTrack?.readyState}/${x.track.mediaStreamTrack?.muted ? 'muted' : 'unmuted'}`)) })),
  speakers: room.activeSpeakers.map((p) => p.identity),
  events: (window.__peer?.events ?? []).map((e) => e.ev + (e.who ? ':' + e.who : '')).join(' ') })
""";
}
