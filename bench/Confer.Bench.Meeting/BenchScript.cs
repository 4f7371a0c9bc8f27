namespace Confer.Bench.Meeting;

/// <summary>The page side of the benchmark: the SDK path and the bare-RTCPeerConnection baseline.</summary>
internal static class BenchScript
{
    public const string Source = """
// Trace (BENCH_TRACE=1 sets window.__benchTrace first): every RTCPeerConnection on the page, the SDK's
// and the baseline's alike, records its state changes, candidates and first track on a clock shared by
// the pages (timeOrigin + now), so the run's two sides can be merged into one timeline. Without it
// nothing is wrapped and __mark does nothing.
window.__trace = [];
window.__mark = () => {};
if (window.__benchTrace) (() => {
  const Native = window.RTCPeerConnection;
  const at = () => performance.timeOrigin + performance.now();
  window.__mark = (ev) => window.__trace.push({ t: at(), ev });
  // Signaling frames that carry SDP or candidates, as they leave and reach the page.
  const NativeWs = window.WebSocket;
  const kind = (data) => { try { const f = JSON.parse(data); return ['offer', 'answer', 'candidate', 'participantJoined', 'join'].includes(f.type) ? f.type : undefined; } catch { return undefined; } };
  window.WebSocket = class extends NativeWs {
    constructor(...args) {
      super(...args);
      window.__mark('ws new');
      this.addEventListener('open', () => window.__mark('ws open'));
      this.addEventListener('message', (e) => { const k = kind(e.data); if (k) window.__mark(`ws in ${k}`); });
    }
    send(data) { const k = kind(data); if (k) window.__mark(`ws out ${k}`); return super.send(data); }
  };
  window.RTCPeerConnection = class extends Native {
    constructor(cfg) {
      super(cfg);
      (window.__pcs ??= []).push(this);
      const mark = window.__mark;
      mark(`pc new ${JSON.stringify({ ...cfg, iceServers: (cfg?.iceServers ?? []).map((s) => s.urls) })}`);
      this.addEventListener('signalingstatechange', () => mark(`signaling ${this.signalingState}`));
      this.addEventListener('icegatheringstatechange', () => mark(`gathering ${this.iceGatheringState}`));
      this.addEventListener('iceconnectionstatechange', () => mark(`ice ${this.iceConnectionState}`));
      this.addEventListener('connectionstatechange', () => mark(`conn ${this.connectionState}`));
      this.addEventListener('icecandidate', (e) => mark(`cand ${e.candidate ? `${e.candidate.type}/${e.candidate.protocol}${e.candidate.relayProtocol ? '/' + e.candidate.relayProtocol : ''}` : 'end'}`));
      this.addEventListener('track', (e) => mark(`track ${e.track.kind}`));
      this.addEventListener('datachannel', (e) => mark(`datachannel ${e.channel.label}`));
      this.addEventListener('icecandidateerror', (e) => mark(`candidate error ${e.errorCode} ${e.url} ${e.errorText}`));
    }
    setLocalDescription(d) { window.__mark(`sld ${d?.type ?? ''}`); return super.setLocalDescription(d); }
    setRemoteDescription(d) { window.__mark(`srd ${d?.type}`); return super.setRemoteDescription(d); }
    addIceCandidate(c) { window.__mark(`addcand ${c?.candidate ? c.candidate.split(' ')[7] + '/' + c.candidate.split(' ')[2] : 'end'}`); return super.addIceCandidate(c); }
  };
})();
/** One line per RTP stream and the selected pair of every live peer connection (after the run). */
window.__stats = async () => {
  const out = [];
  for (const pc of window.__pcs ?? []) {
    if (pc.connectionState === 'closed') continue;
    const r = await pc.getStats();
    for (const s of r.values()) {
      if ((s.type === 'inbound-rtp' || s.type === 'outbound-rtp') && s.kind === 'video') {
        const pick = ['framesEncoded', 'keyFramesEncoded', 'framesSent', 'framesReceived', 'framesDecoded', 'keyFramesDecoded', 'framesDropped', 'pliCount', 'firCount', 'nackCount', 'frameWidth', 'frameHeight', 'qualityLimitationReason', 'encoderImplementation', 'decoderImplementation', 'packetsLost', 'totalDecodeTime', 'jitterBufferDelay', 'jitterBufferEmittedCount', 'targetBitrate', 'mimeType'];
        out.push(`${s.type} ${pick.filter((k) => s[k] !== undefined).map((k) => `${k}=${typeof s[k] === 'number' ? +s[k].toFixed(3) : s[k]}`).join(' ')}`);
      }
      if (s.type === 'codec' && s.mimeType.startsWith('video')) out.push(`codec ${s.mimeType} ${s.sdpFmtpLine ?? ''}`);
      if (s.type === 'transport') {
        const pair = r.get(s.selectedCandidatePairId);
        const l = pair && r.get(pair.localCandidateId);
        const rem = pair && r.get(pair.remoteCandidateId);
        out.push(`transport dtls=${s.dtlsState} pairChanges=${s.selectedCandidatePairChanges} local=${l?.candidateType}/${l?.relayProtocol ?? l?.protocol} remote=${rem?.candidateType} rtt=${pair?.currentRoundTripTime} sent=${s.packetsSent} recv=${s.packetsReceived}`);
      }
    }
  }
  return out;
};
window.__bench = {
  /** Resolves with ms from `start` to the first frame painted in `video`. */
  firstFrame(video, start) {
    return new Promise((resolve) => video.requestVideoFrameCallback((now, m) => { window.__mark(`first frame (last packet received ${m.receiveTime !== undefined ? (now - m.receiveTime).toFixed(1) : '?'} ms before, ${m.width}x${m.height}, processing ${((m.processingDuration ?? 0) * 1000).toFixed(1)} ms)`); resolve(performance.now() - start); }));
  },
  async token(room, name) {
    const res = await fetch('/api/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ room, name }) });
    return res.json();
  },
  /** Alice: in the room, camera and microphone published. */
  async sdkHost(room, rtcConfig) {
    const { connect } = await import('/sdk/confer.js');
    const { token, url } = await this.token(room, 'Alice');
    this.room = await connect(url, token, { rtcConfig });
    await this.room.localParticipant.enableCameraAndMicrophone();
  },
  /** Bob: prepares (module loaded, token minted), then times connect() → Alice's first frame. */
  async sdkPrepare(room) {
    this.sdk = await import('/sdk/confer.js');
    this.tok = await this.token(room, 'Bob');
  },
  async sdkJoin(rtcConfig, publish) {
    window.__mark('start');
    const start = performance.now();
    const frame = new Promise((resolve) => {
      this.onTrack = (track) => {
        if (track.kind !== 'video') return;
        this.subscribedAt = performance.now() - start;
        const v = track.attach();
        document.body.append(v);
        this.firstFrame(v, start).then(resolve);
      };
    });
    this.room = await this.sdk.connect(this.tok.url, this.tok.token, { rtcConfig });
    this.connectedAt = performance.now() - start;
    this.room.on('trackSubscribed', (t) => this.onTrack(t));
    if (publish) this.room.localParticipant.enableCameraAndMicrophone().catch(() => {});
    const ms = await frame;
    console.log(`connect ${this.connectedAt.toFixed(0)} ms, subscribed ${this.subscribedAt.toFixed(0)} ms, frame ${ms.toFixed(0)} ms`);
    return ms;
  },
  leave() { this.room?.disconnect(); },

  /** Baseline sender: camera captured beforehand; answers "start" with an offer over a BroadcastChannel. */
  async bareHost(channelName, rtcConfig) {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: true });
    const ch = new BroadcastChannel(channelName);
    ch.onmessage = async ({ data }) => {
      if (data.type === 'start') {
        this.pc?.close();
        const pc = this.pc = new RTCPeerConnection(rtcConfig);
        for (const t of stream.getTracks()) pc.addTrack(t, stream);
        pc.onicecandidate = (e) => ch.postMessage({ type: 'candidate', from: 'host', candidate: e.candidate?.toJSON() ?? null });
        await pc.setLocalDescription();
        ch.postMessage({ type: 'offer', sdp: pc.localDescription.sdp });
      } else if (data.type === 'answer') {
        await this.pc.setRemoteDescription({ type: 'answer', sdp: data.sdp });
      } else if (data.type === 'candidate' && data.from === 'guest' && data.candidate) {
        await this.pc.addIceCandidate(data.candidate).catch(() => {});
      }
    };
  },
  /** Baseline receiver: times "start" → the first frame. */
  bareJoin(channelName, rtcConfig) {
    window.__mark('start');
    const start = performance.now();
    const ch = new BroadcastChannel(channelName);
    this.pc?.close();
    const pc = this.pc = new RTCPeerConnection(rtcConfig);
    pc.onicecandidate = (e) => ch.postMessage({ type: 'candidate', from: 'guest', candidate: e.candidate?.toJSON() ?? null });
    const frame = new Promise((resolve) => {
      pc.ontrack = (e) => {
        if (e.track.kind !== 'video') return;
        const v = document.createElement('video');
        v.autoplay = true; v.muted = true; v.playsInline = true;
        v.srcObject = new MediaStream([e.track]);
        document.body.append(v);
        this.firstFrame(v, start).then(resolve);
      };
    });
    ch.onmessage = async ({ data }) => {
      if (data.type === 'offer') {
        await pc.setRemoteDescription({ type: 'offer', sdp: data.sdp });
        await pc.setLocalDescription();
        ch.postMessage({ type: 'answer', sdp: pc.localDescription.sdp });
      } else if (data.type === 'candidate' && data.from === 'host' && data.candidate) {
        await pc.addIceCandidate(data.candidate).catch(() => {});
      }
    };
    ch.postMessage({ type: 'start' });
    return frame;
  },
};
""";
}
