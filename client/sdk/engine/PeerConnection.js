// @ts-check
import { Emitter } from '../Emitter.js';
import { IceWatch, receivesMedia } from './iceWatch.js';

/** How long ICE may stay `new`/`checking` after a negotiation before we restart it. */
const STUCK_RESTART_MS = 6000;
/**
 * How long the joining side waits for the member's first offer before offering its own tracks
 * anyway. A safety net only: the member offers at once (it always has its data channels to
 * negotiate), so on the normal path the joiner answers long before this.
 */
const JOINER_WAIT_MS = 3000;
/** Labels of the two data channels the member opens to a newcomer (reliable ordered, and lossy). */
const RELIABLE_LABEL = 'confer-reliable';
const LOSSY_LABEL = 'confer-lossy';

/**
 * The media path to one remote participant: one RTCPeerConnection negotiated with the
 * perfect-negotiation pattern, so both sides may add tracks at any moment (even at the same
 * moment) without glare. The polite side rolls back its own offer when offers cross.
 *
 * Every local track travels in its own send-only transceiver whose stream is announced in the
 * SDP's msid. Before an SDP leaves this browser the stream id is replaced by the track's sid
 * from `trackPublished`, so the receiver finds the publication from `event.streams[0].id`.
 *
 * Glare is handled, but avoided where it is predictable: when someone joins, both sides would
 * offer at once. The member who was already there (the initiator) offers first, at once: it opens
 * the two data channels (reliable ordered, and unreliable with maxRetransmits 0) together with its
 * tracks, so there is always something to offer even when it sends no media. The newcomer adds its
 * own tracks right after answering that offer (JOINER_WAIT_MS is only a safety net for an offer
 * that never comes). Chromium sometimes never gathers candidates again on a connection that rolled
 * back an offer, so fewer rollbacks also means fewer stuck connections. The member's connection is
 * usually a spare made before the newcomer arrived (MeshEngine), its offer and candidates ready to go.
 *
 * Emits (internal): `track` (track: MediaStreamTrack, trackSid: string, receiver: RTCRtpReceiver),
 * `state` (state: RTCPeerConnectionState), `data` (bytes: Uint8Array, reliable: boolean), `pathDead` (an ICE restart follows).
 * @internal
 */
export class PeerConnection extends Emitter {
  #pc;
  #polite;
  #send;
  /** False: our tracks do not go to this peer (their token may not subscribe). */
  #sendMedia;
  /** False: we decline every track offered to us (our token may not subscribe). */
  #receive;
  #makingOffer = false;
  #ignoreOffer = false;
  #closed = false;
  /** @type {Promise<void>} */
  #chain = Promise.resolve();
  /** @type {Map<string, RTCRtpTransceiver>} track sid → transceiver */
  #senders = new Map();
  /** @type {Map<string, string>} local stream id → track sid */
  #streamToSid = new Map();
  /** @type {IceWatch} */
  #watchIce;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #stuckTimer;
  #ready;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #readyTimer;
  /** @type {import('./MediaEngine.js').LocalMedia[]} publications waiting for #ready */
  #queued = [];
  /** @type {RTCIceCandidateInit[]} candidates that arrived when they could not be added */
  #parked = [];
  #restarts = 0;
  /** @type {((type: 'offer' | 'answer' | 'candidate', fields: Record<string, unknown>) => void) | undefined} */
  #sink;
  /** @type {['offer' | 'answer' | 'candidate', Record<string, unknown>][]} what a spare said before `assign` */
  #held = [];
  /** performance.now() when the connection first reached `connected`; 0 before. */
  #connectedAt = 0;
  /** @type {RTCDataChannel | undefined} */
  #reliable;
  /** @type {RTCDataChannel | undefined} */
  #lossy;
  /** Counters for diagnostics. */
  counters = { offersSent: 0, answersSent: 0, candidatesSent: 0, offersIn: 0, answersIn: 0, candidatesIn: 0, ignoredOffers: 0, parked: 0 };

  /**
   * Without `send` the connection is a spare (see MeshEngine): its offer and candidates are kept until
   * `assign` says whom they are for.
   * With `sendMedia` false our tracks do not go to this peer; with `receive` false every track it
   * offers is declined (inactive), because the server refuses an SDP of ours that declares recv.
   * @param {{ polite?: boolean, initiator: boolean, rtcConfig: RTCConfiguration,
   *           send?: (type: 'offer' | 'answer' | 'candidate', fields: Record<string, unknown>) => void,
   *           sendMedia?: boolean, receive?: boolean }} options
   */
  constructor({ polite = false, initiator, rtcConfig, send, sendMedia = true, receive = true }) {
    super();
    this.#sendMedia = sendMedia;
    this.#receive = receive;
    this.#ready = initiator;
    if (!initiator) this.#readyTimer = setTimeout(() => this.#becomeReady(), JOINER_WAIT_MS);
    this.#polite = polite;
    this.#sink = send;
    this.#send = (type, fields) => {
      if (type === 'offer') this.counters.offersSent++;
      else if (type === 'answer') this.counters.answersSent++;
      else this.counters.candidatesSent++;
      if (this.#sink) this.#sink(type, fields);
      else this.#held.push([type, fields]);
    };
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
    pc.ondatachannel = ({ channel }) => this.#adopt(channel);
    if (initiator) {
      this.#adopt(pc.createDataChannel(RELIABLE_LABEL, { ordered: true }));
      this.#adopt(pc.createDataChannel(LOSSY_LABEL, { ordered: false, maxRetransmits: 0 }));
    }
    pc.ontrack = (ev) => {
      if (!this.#receive) return;
      const sid = ev.streams[0]?.id;
      if (sid) this.emit('track', ev.track, sid, ev.receiver);
    };
    this.#watchIce = new IceWatch(pc, (why) => {
      console.debug(`confer: ICE path dead (${why}); restarting`);
      this.emit('pathDead');
      this.restartIce();
    }, () => receivesMedia(pc));
    pc.onconnectionstatechange = () => this.#onState();
    pc.oniceconnectionstatechange = () => this.#onState();
  }

  /**
   * Gives a spare its remote participant: what it has said so far (its offer, its candidates) goes
   * out now, in order, and the rest as it comes.
   * @param {{ polite: boolean, send: (type: 'offer' | 'answer' | 'candidate', fields: Record<string, unknown>) => void }} to
   */
  assign({ polite, send }) {
    this.#polite = polite;
    this.#sink = send;
    const held = this.#held;
    this.#held = [];
    for (const [type, fields] of held) send(type, fields);
  }

  /** The browser peer connection (for getStats). */
  get pc() { return this.#pc; }
  get polite() { return this.#polite; }
  /** True when both data channels are open (publishData goes peer to peer). */
  get dataOpen() { return this.#reliable?.readyState === 'open' && this.#lossy?.readyState === 'open'; }
  /** Milliseconds since the connection first reached `connected` (0 until then). */
  get connectedFor() { return this.#connectedAt ? performance.now() - this.#connectedAt : 0; }
  /** How many ICE restarts this connection has done. */
  get iceRestarts() { return this.#restarts; }

  /**
   * Starts sending a published track to this peer.
   * @param {import('./MediaEngine.js').LocalMedia} media the engine's record (its `track` is kept current)
   */
  addPublication(media) {
    if (this.#closed || !this.#sendMedia || this.#senders.has(media.trackSid)) return;
    if (!this.#ready) {
      if (!this.#queued.some((m) => m.trackSid === media.trackSid)) this.#queued.push(media);
      return;
    }
    const stream = media.stream;
    this.#streamToSid.set(stream.id, media.trackSid);
    const t = this.#pc.addTransceiver(media.track ?? media.kind, { direction: 'sendonly', streams: [stream] });
    this.#senders.set(media.trackSid, t);
  }

  /**
   * Sends one message on the reliable or the lossy data channel.
   * @param {Uint8Array} bytes
   * @param {boolean} reliable
   * @returns {boolean} false when that channel is not open (the caller falls back to signaling)
   */
  sendData(bytes, reliable) {
    const ch = reliable ? this.#reliable : this.#lossy;
    if (this.#closed || !ch || ch.readyState !== 'open') return false;
    try {
      ch.send(bytes);
      return true;
    } catch {
      return false; // closing under us, or over the channel's message size
    }
  }

  /** @param {RTCDataChannel} ch */
  #adopt(ch) {
    const reliable = ch.label === RELIABLE_LABEL;
    if (!reliable && ch.label !== LOSSY_LABEL) return; // not ours
    if (reliable) this.#reliable = ch; else this.#lossy = ch;
    ch.binaryType = 'arraybuffer';
    ch.onmessage = (ev) => {
      if (!this.#closed && ev.data instanceof ArrayBuffer) this.emit('data', new Uint8Array(ev.data), reliable);
    };
  }

  /**
   * Stops sending a track (renegotiates).
   * @param {string} trackSid
   */
  removePublication(trackSid) {
    this.#queued = this.#queued.filter((p) => p.trackSid !== trackSid);
    const t = this.#senders.get(trackSid);
    if (!t || this.#closed) return;
    this.#senders.delete(trackSid);
    try { t.stop(); } catch { /* already stopped */ }
  }

  /**
   * Points the sender at the publication's current browser track (no renegotiation).
   * @param {import('./MediaEngine.js').LocalMedia} media
   */
  async replaceTrack(media) {
    const t = this.#senders.get(media.trackSid);
    if (t && !this.#closed) await t.sender.replaceTrack(media.track);
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
      if (description.type === 'offer') this.counters.offersIn++; else this.counters.answersIn++;
      if (this.#ignoreOffer) { this.counters.ignoredOffers++; return; }
      if (description.type === 'answer' && pc.signalingState !== 'have-local-offer') return; // stale answer
      await pc.setRemoteDescription(description); // rolls back our own offer when polite
      if (description.type === 'offer' && !this.#receive) this.#decline();
      await this.#unpark();
      this.#watch();
      if (description.type === 'offer' && pc.signalingState === 'have-remote-offer') {
        await pc.setLocalDescription();
        const desc = pc.localDescription;
        if (desc) this.#send(desc.type === 'offer' ? 'offer' : 'answer', { sdp: this.#outgoing(desc.sdp) });
        this.#becomeReady();
      }
    } else if (frame.type === 'candidate') {
      const c = frame.candidate && frame.candidate.candidate ? frame.candidate : null;
      this.counters.candidatesIn++;
      if (!pc.remoteDescription || this.#ignoreOffer) {
        // Candidates of an offer we ignored are kept: after a rollback the polite side answers
        // with the same ICE credentials and does not gather (or send) its candidates again.
        if (c) { this.#parked.push(c); this.counters.parked++; }
        return;
      }
      try {
        await pc.addIceCandidate(c);
      } catch (e) {
        console.debug('confer: candidate not added', e);
      }
    }
  }

  /** Takes recv out of every transceiver (the answer then says sendonly or inactive). */
  #decline() {
    for (const t of this.#pc.getTransceivers()) {
      try {
        if (t.direction === 'recvonly') t.direction = 'inactive';
        else if (t.direction === 'sendrecv') t.direction = 'sendonly';
      } catch { /* stopped */ }
    }
  }

  /** From now on our tracks go out at once (the first exchange is done or was not coming). */
  #becomeReady() {
    if (this.#ready) return;
    this.#ready = true;
    clearTimeout(this.#readyTimer);
    const queued = this.#queued;
    this.#queued = [];
    for (const pub of queued) this.addPublication(pub);
  }

  /** Adds parked candidates that match the description just applied; drops the rest. */
  async #unpark() {
    const parked = this.#parked;
    this.#parked = [];
    for (const c of parked) {
      try { await this.#pc.addIceCandidate(c); } catch { /* another ICE generation */ }
    }
  }

  /**
   * Guards against a negotiation that never starts ICE (lost candidates): if a few seconds after
   * an exchange the connection is still new or checking, restart ICE.
   */
  #watch() {
    clearTimeout(this.#stuckTimer);
    this.#stuckTimer = setTimeout(() => {
      const st = this.#pc.iceConnectionState;
      if (!this.#closed && (st === 'new' || st === 'checking') && this.#pc.signalingState === 'stable' && this.#pc.getTransceivers().length > 0) {
        console.debug(`confer: ICE still ${st}; restarting`);
        this.restartIce();
      }
    }, STUCK_RESTART_MS);
  }

  /**
   * Looks at a getStats report of this connection (the engine samples every connected one): a path that went
   * silent restarts ICE (iceWatch.js).
   * @param {RTCStatsReport} report
   */
  noteStats(report) {
    this.#watchIce.noteStats(report);
  }

  /** Restarts ICE (new credentials, new candidates); used when the path failed. */
  restartIce() {
    if (this.#closed) return;
    this.#restarts++;
    this.#pc.restartIce();
  }

  /**
   * The signaling connection came back after a drop: what we sent into the dead socket was lost. An offer
   * still waiting for its answer goes out again (the SDP holds every candidate gathered so far), whatever our
   * side's ICE says: ours may look connected while the other side, which never got the offer, is not. A
   * connection whose ICE is not up is restarted, now that the network is back.
   */
  resync() {
    if (this.#closed) return;
    const pc = this.#pc;
    if (pc.signalingState === 'have-local-offer' && pc.localDescription) {
      this.#send('offer', { sdp: this.#outgoing(pc.localDescription.sdp) });
      return;
    }
    const ice = pc.iceConnectionState;
    if (ice === 'connected' || ice === 'completed') return;
    if (pc.signalingState === 'stable' && pc.remoteDescription) this.restartIce();
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#watchIce.close();
    clearTimeout(this.#stuckTimer);
    clearTimeout(this.#readyTimer);
    this.#pc.close();
  }

  #onState() {
    if (this.#closed) return;
    const pc = this.#pc;
    if (pc.connectionState === 'connected' && !this.#connectedAt) this.#connectedAt = performance.now();
    this.emit('state', pc.connectionState);
    this.#watchIce.stateChanged();
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
