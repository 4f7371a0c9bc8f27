namespace Confer.Bench.Meeting;

/// <summary>The page side of the benchmark: the SDK path and the bare-RTCPeerConnection baseline.</summary>
internal static class BenchScript
{
    public const string Source = """
window.__bench = {
  /** Resolves with ms from `start` to the first frame painted in `video`. */
  firstFrame(video, start) {
    return new Promise((resolve) => video.requestVideoFrameCallback(() => resolve(performance.now() - start)));
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
