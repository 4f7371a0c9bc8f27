// @ts-check
import { Emitter } from './Emitter.js';

/** How long a `disconnected` ICE state may last before we restart ICE. */
const DISCONNECTED_RESTART_MS = 4000;

/**
 * The media path to one remote participant: one RTCPeerConnection negotiated with the
 * perfect-negotiation pattern, so both sides may add tracks at any moment (even at the same
 * moment) without glare. The polite side rolls back its own offer when offers cross.
 *
 * Every local track travels in its own send-only transceiver whose stream is announced in the
 * SDP's msid. Before an SDP leaves this browser the stream id is replaced by the track's sid
 * from `trackPublished`, so the receiver finds the publication from `event.streams[0].id`.
 *
 * Emits (internal): `track` (track: MediaStreamTrack, trackSid: string, receiver: RTCRtpReceiver),
 * `state` (state: RTCPeerConnectionState).
 * @internal
 */
export class PeerConnection extends Emitter {
  #pc;
  #polite;
  #send;
  #makingOffer = false;
  #ignoreOffer = false;
  #closed = false;
  /** @type {Promise<void>} */
  #chain = Promise.resolve();
  /** @type {Map<string, RTCRtpTransceiver>} track sid → transceiver */
  #senders = new Map();
  /** @type {Map<string, string>} local stream id → track sid */
  #streamToSid = new Map();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #restartTimer;
  #restarts = 0;

  /**
   * @param {{ polite: boolean, rtcConfig: RTCConfiguration,
   *           send: (type: 'offer' | 'answer' | 'candidate', fields: Record<string, unknown>) => void }} options
   */
  constructor({ polite, rtcConfig, send }) {
    super();
    this.#polite = polite;
    this.#send = send;
    this.#pc = new RTCPeerConnection(rtcConfig);
    const pc = this.#pc;

    pc.onnegotiationneeded = async () => {
      if (this.#closed) return;
      try {
        this.#makingOffer = true;
        await pc.setLocalDescription();
        const desc = pc.localDescription;
        // Normally an offer; an answer when a remote offer was applied while we were starting.
        if (desc) this.#send(desc.type === 'answer' ? 'answer' : 'offer', { sdp: this.#outgoing(desc.sdp) });
      } catch (e) {
        console.warn('confer: could not make an offer', e);
      } finally {
        this.#makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (this.#closed) return;
      this.#send('candidate', { candidate: candidate ? candidate.toJSON() : null });
    };
    pc.ontrack = (ev) => {
      const sid = ev.streams[0]?.id;
      if (sid) this.emit('track', ev.track, sid, ev.receiver);
    };
    pc.onconnectionstatechange = () => this.#onState();
    pc.oniceconnectionstatechange = () => this.#onState();
  }

  /** The browser peer connection (for getStats). */
  get pc() { return this.#pc; }
  get polite() { return this.#polite; }
  /** How many ICE restarts this connection has done. */
  get iceRestarts() { return this.#restarts; }

  /**
   * Starts sending a published track to this peer.
   * @param {import('./TrackPublication.js').LocalTrackPublication} pub
   */
  addPublication(pub) {
    if (this.#closed || this.#senders.has(pub.trackSid)) return;
    const stream = pub._stream;
    this.#streamToSid.set(stream.id, pub.trackSid);
    const mst = pub.track.mediaStreamTrack;
    const t = this.#pc.addTransceiver(mst ?? /** @type {'audio'|'video'} */ (pub.kind), { direction: 'sendonly', streams: [stream] });
    this.#senders.set(pub.trackSid, t);
  }

  /**
   * Stops sending a track (renegotiates).
   * @param {string} trackSid
   */
  removePublication(trackSid) {
    const t = this.#senders.get(trackSid);
    if (!t || this.#closed) return;
    this.#senders.delete(trackSid);
    try { t.stop(); } catch { /* already stopped */ }
  }

  /**
   * Points the sender at the publication's current browser track (no renegotiation).
   * @param {import('./TrackPublication.js').LocalTrackPublication} pub
   */
  async replaceTrack(pub) {
    const t = this.#senders.get(pub.trackSid);
    if (t && !this.#closed) await t.sender.replaceTrack(pub.track.mediaStreamTrack);
  }

  /**
   * Handles a forwarded offer, answer or candidate from this peer, one at a time in arrival order.
   * @param {any} frame
   */
  handle(frame) {
    this.#chain = this.#chain.then(() => this.#handle(frame)).catch((e) => {
      if (!this.#closed) console.warn(`confer: signaling ${frame.type} from ${frame.fromIdentity} failed`, e);
    });
    return this.#chain;
  }

  /** @param {any} frame */
  async #handle(frame) {
    if (this.#closed) return;
    const pc = this.#pc;
    if (frame.type === 'offer' || frame.type === 'answer') {
      const description = /** @type {RTCSessionDescriptionInit} */ ({ type: frame.type, sdp: frame.sdp });
      const offerCollision = description.type === 'offer' && (this.#makingOffer || pc.signalingState !== 'stable');
      this.#ignoreOffer = !this.#polite && offerCollision;
      if (this.#ignoreOffer) return;
      if (description.type === 'answer' && pc.signalingState !== 'have-local-offer') return; // stale answer
      await pc.setRemoteDescription(description); // rolls back our own offer when polite
      if (description.type === 'offer' && pc.signalingState === 'have-remote-offer') {
        await pc.setLocalDescription();
        const desc = pc.localDescription;
        if (desc) this.#send(desc.type === 'offer' ? 'offer' : 'answer', { sdp: this.#outgoing(desc.sdp) });
      }
    } else if (frame.type === 'candidate') {
      const c = frame.candidate;
      try {
        await pc.addIceCandidate(c && c.candidate ? c : null);
      } catch (e) {
        if (!this.#ignoreOffer) throw e;
      }
    }
  }

  /** Restarts ICE (new credentials, new candidates); used when the path failed. */
  restartIce() {
    if (this.#closed) return;
    this.#restarts++;
    this.#pc.restartIce();
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#restartTimer);
    this.#pc.close();
  }

  #onState() {
    if (this.#closed) return;
    const pc = this.#pc;
    this.emit('state', pc.connectionState);
    clearTimeout(this.#restartTimer);
    if (pc.iceConnectionState === 'failed' || pc.connectionState === 'failed') {
      this.restartIce();
    } else if (pc.iceConnectionState === 'disconnected') {
      this.#restartTimer = setTimeout(() => {
        if (pc.iceConnectionState === 'disconnected') this.restartIce();
      }, DISCONNECTED_RESTART_MS);
    }
  }

  /**
   * Rewrites our stream ids to track sids in an SDP we send.
   * @param {string} sdp
   */
  #outgoing(sdp) {
    for (const [streamId, sid] of this.#streamToSid) sdp = sdp.split(streamId).join(sid);
    return sdp;
  }
}
