// @ts-check
import { Emitter } from './Emitter.js';
import { SignalClient } from './SignalClient.js';
import { ConferError } from './ConferError.js';
import { RoomEvent, ConnectionState } from './events.js';
import { LocalParticipant } from './LocalParticipant.js';
import { RemoteParticipant } from './RemoteParticipant.js';
import { Mesh } from './Mesh.js';
import { fromPayload } from './data.js';
import { closeReason, toSignalUrl } from './url.js';

/**
 * @typedef {Object} RoomOptions
 * @property {RTCConfiguration} [rtcConfig] merged into every RTCPeerConnection's configuration;
 *   its fields win over the server's (`{ iceTransportPolicy: 'relay' }` forces TURN; `iceServers`
 *   here replaces the list the server sent).
 * @property {number} [speakingThreshold] audio level (0–1) above which someone counts as speaking; default 0.02
 */

/**
 * @typedef {Object} ChatMessage
 * @property {string} id
 * @property {string} text
 * @property {number} timestamp unix ms, server time
 * @property {string | undefined} fromIdentity
 * @property {string | undefined} fromName
 */

/**
 * A meeting as this browser sees it. Owns all public state (participants, publications, speakers)
 * and emits every RoomEvent. Create one with `connect()`.
 */
export class Room extends Emitter {
  #name = '';
  #sid = '';
  #metadata = '';
  #state = ConnectionState.Disconnected;
  /** @type {LocalParticipant | undefined} */
  #local;
  /** @type {Map<string, RemoteParticipant>} by identity */
  #remotes = new Map();
  /** @type {Map<string, RemoteParticipant>} by sid */
  #bySid = new Map();
  /** @type {SignalClient | undefined} */
  #signal;
  #options;
  /** @type {Map<string, { resolve: (info: any) => void, reject: (e: Error) => void, id: number, fields: Record<string, unknown> }>} by cid */
  #pendingPublish = new Map();
  /** @type {Mesh | undefined} */
  #mesh;
  /** @type {(() => void) | undefined} */
  #onPageHide;

  /** @param {RoomOptions} [options] */
  constructor(options = {}) {
    super();
    this.#options = options;
  }

  /** The room's name (from the token's grant). */
  get name() { return this.#name; }
  get sid() { return this.#sid; }
  get metadata() { return this.#metadata; }
  /** `connecting`, `connected`, `reconnecting` or `disconnected`. */
  get state() { return this.#state; }
  /** Ourselves. Undefined before the first connect. */
  get localParticipant() { return /** @type {LocalParticipant} */ (this.#local); }
  /** Everyone else, by identity. A copy: changing it changes nothing. */
  get remoteParticipants() { return new Map(this.#remotes); }
  /** People speaking now, loudest first. */
  get activeSpeakers() { return this.#mesh?.speakers ?? []; }

  /**
   * Connects to the room. Resolves once we are in it (media to others follows by itself).
   * @param {string} url server URL: `https://host`, `wss://host/rtc` or a path such as `/rtc`
   * @param {string} token access token
   */
  async connect(url, token) {
    if (this.#state !== ConnectionState.Disconnected) throw new ConferError('invalid_argument', 'This room is already connected; make a new Room.');
    if (!token) throw new ConferError('invalid_argument', 'connect() needs an access token.');
    this.#setState(ConnectionState.Connecting);
    const signal = new SignalClient(toSignalUrl(url), token);
    this.#signal = signal;
    let join;
    try {
      join = await signal.join();
    } catch (e) {
      this.#setState(ConnectionState.Disconnected);
      throw e;
    }
    this.#name = join.room?.name ?? '';
    this.#sid = join.room?.sid ?? '';
    this.#metadata = join.room?.metadata ?? '';
    this.#local = new LocalParticipant(join.participant, {
      requestPublish: (fields) => this.#requestPublish(fields),
      addToPeers: (pub) => this.#mesh?.addPublication(pub),
      removeFromPeers: (sid) => this.#mesh?.removePublication(sid),
      replaceOnPeers: async (pub) => { await this.#mesh?.replaceTrack(pub); },
      send: (type, fields) => { this.#signal?.send(type, fields); },
      sendData: (bytes, reliable, identities) => this.#mesh?.sendData(bytes, reliable, identities) ?? { reached: 0, rest: identities ?? [] },
      emit: (name, ...args) => this.emit(name, ...args),
      connected: () => this.#state === ConnectionState.Connected || this.#state === ConnectionState.Reconnecting,
    });
    this.#mesh = new Mesh(this, this.#local, signal, join.iceServers ?? [], this.#options);
    signal.on('message', (f) => this.#onMessage(f));
    signal.on('reconnecting', () => {
      this.#setState(ConnectionState.Reconnecting);
      this.emit(RoomEvent.Reconnecting);
    });
    signal.on('resumed', (f) => this.#onResumed(f));
    signal.on('rejoined', (f) => { this.#onRejoined(f).catch((e) => console.warn('confer: rejoining failed', e)); });
    signal.on('closed', (reason, code) => this.#onClosed(closeReason(code), reason));
    for (const info of join.otherParticipants ?? []) this.#addRemote(info, false);
    this.#onPageHide = () => this.disconnect();
    window.addEventListener('pagehide', this.#onPageHide);
    this.#setState(ConnectionState.Connected);
    this.#mesh.start();
    return this;
  }

  /** Leaves the room: others see us go at once; our camera and microphone stop. */
  async disconnect() {
    if (this.#state === ConnectionState.Disconnected) return;
    this.#signal?.leave();
    this.#onClosed('clientInitiated', 'left');
  }

  /** @param {string} identity */
  getParticipantByIdentity(identity) {
    return this.#local?.identity === identity ? this.#local : this.#remotes.get(identity);
  }

  /**
   * @param {string} sid
   * @returns {RemoteParticipant | undefined}
   * @internal
   */
  _remoteBySid(sid) { return this.#bySid.get(sid); }

  /** @param {string} state */
  #setState(state) {
    if (this.#state === state) return;
    this.#state = state;
    this.emit(RoomEvent.ConnectionStateChanged, state);
  }

  /** @param {Record<string, unknown>} fields */
  #requestPublish(fields) {
    const signal = this.#signal;
    if (!signal || this.#state === ConnectionState.Disconnected) return Promise.reject(new ConferError('not_connected', 'Not connected to a room.'));
    return new Promise((resolve, reject) => {
      const id = signal.send('publishTrack', fields);
      this.#pendingPublish.set(String(fields.cid), { resolve, reject, id, fields });
    });
  }

  /**
   * @param {any} info ParticipantInfo
   * @param {boolean} announce emit participantConnected
   * @param {boolean} [initiator] we offer first (they arrived after us); by default when announced
   */
  #addRemote(info, announce, initiator = announce) {
    let p = this.#remotes.get(info.identity);
    if (p && p.sid !== info.sid) { this.#removeRemote(p, 'replaced'); p = undefined; }
    if (p) {
      p._update(info);
    } else {
      p = new RemoteParticipant(info);
      this.#remotes.set(p.identity, p);
      this.#bySid.set(p.sid, p);
      if (announce) this.emit(RoomEvent.ParticipantConnected, p);
      this.#mesh?.ensurePeer(p, initiator);
    }
    this.#mesh?.syncPublications(p, info.tracks ?? []);
    return p;
  }

  /**
   * @param {RemoteParticipant} p
   * @param {string} reason
   */
  #removeRemote(p, reason) {
    if (this.#remotes.get(p.identity) !== p) return;
    this.#mesh?.syncPublications(p, []);
    this.#mesh?.closePeer(p);
    this.#remotes.delete(p.identity);
    this.#bySid.delete(p.sid);
    this.emit(RoomEvent.ParticipantDisconnected, p, reason);
  }

  /** @param {any} f */
  #onMessage(f) {
    const local = this.#local;
    if (!local) return;
    switch (f.type) {
      case 'participantJoined':
        this.#addRemote(f.participant, true);
        break;
      case 'participantUpdated': {
        const p = this.#remotes.get(f.participant.identity);
        if (p) { p._update(f.participant); this.emit(RoomEvent.ParticipantUpdated, p); }
        else if (f.participant.sid === local.sid) local._update(f.participant);
        break;
      }
      case 'participantLeft': {
        const p = this.#bySid.get(f.sid);
        if (p) this.#removeRemote(p, f.reason ?? 'left');
        break;
      }
      case 'trackPublished':
        if (f.participantSid === local.sid) {
          const pending = this.#pendingPublish.get(f.track.cid);
          this.#pendingPublish.delete(f.track.cid);
          pending?.resolve(f.track);
        } else {
          const p = this.#bySid.get(f.participantSid);
          if (p) this.#mesh?.addRemotePublication(p, f.track);
        }
        break;
      case 'trackUnpublished': {
        const p = this.#bySid.get(f.participantSid);
        if (p) this.#mesh?.removeRemotePublication(p, f.trackSid);
        break;
      }
      case 'trackMuted':
        this.#onTrackMuted(f);
        break;
      case 'offer': case 'answer': case 'candidate':
        this.#mesh?.handleSignal(f);
        break;
      case 'data':
        this.emit(RoomEvent.DataReceived, fromPayload(f.payload ?? '', f.encoding), f.from ? this.#bySid.get(f.from) : undefined, f.topic);
        break;
      case 'chat': {
        /** @type {ChatMessage} */
        const msg = { id: f.messageId, text: f.text, timestamp: f.timestamp, fromIdentity: f.fromIdentity, fromName: f.fromName };
        const from = f.from === local.sid ? local : this.#bySid.get(f.from);
        this.emit(RoomEvent.ChatMessage, msg, from);
        break;
      }
      case 'error': {
        for (const [cid, pending] of this.#pendingPublish) {
          if (pending.id === f.re) {
            this.#pendingPublish.delete(cid);
            pending.reject(new ConferError(f.code === 'permission_denied' ? 'permission_denied' : 'publish_failed', f.message ?? f.code));
            return;
          }
        }
        console.warn(`confer: server error ${f.code}: ${f.message}`);
        break;
      }
      case 'leave':
        break; // the close that follows ends the session
      default:
        break;
    }
  }

  /** @param {any} f */
  #onTrackMuted(f) {
    const local = this.#local;
    if (!local) return;
    if (f.participantSid === local.sid) {
      // The server muted one of our tracks (server API): stop sending it.
      const pub = local.trackPublications.get(f.trackSid);
      if (pub && f.muted && !pub.isMuted) {
        if (pub.source === 'camera') local.setCameraEnabled(false);
        else if (pub.source === 'microphone') local.setMicrophoneEnabled(false);
      }
      return;
    }
    const p = this.#bySid.get(f.participantSid);
    const pub = p?._publications.get(f.trackSid);
    if (!p || !pub || pub.isMuted === !!f.muted) return;
    pub._setMuted(!!f.muted);
    this.emit(f.muted ? RoomEvent.TrackMuted : RoomEvent.TrackUnmuted, pub, p);
  }

  /** @param {any} f resumed frame */
  #onResumed(f) {
    // Reconcile with the server's view; replayed frames follow and are applied idempotently.
    if (f.iceServers) this.#mesh?.setIceServers(f.iceServers);
    const present = new Set((f.otherParticipants ?? []).map((/** @type {any} */ i) => i.sid));
    for (const p of [...this.#remotes.values()]) if (!present.has(p.sid)) this.#removeRemote(p, 'disconnected');
    for (const info of f.otherParticipants ?? []) this.#addRemote(info, true);
    this.#setState(ConnectionState.Connected);
    this.emit(RoomEvent.Reconnected);
  }

  /**
   * The old session was gone (close 4008: the resume grace period ran out) and the SDK joined
   * afresh. We are a new participant (new sid, new track sids; the others saw us leave and come
   * back), so every peer connection starts over; people still there keep their objects.
   * @param {any} join the new join frame
   */
  async #onRejoined(join) {
    const local = this.#local;
    const mesh = this.#mesh;
    if (!local || !mesh) return;
    mesh.closeAll();
    if (join.iceServers) mesh.setIceServers(join.iceServers);
    for (const p of this.#remotes.values()) {
      mesh.syncPublications(p, []); // their media came over the closed connections
      p._peer = undefined;
    }
    const present = new Set((join.otherParticipants ?? []).map((/** @type {any} */ i) => i.sid));
    for (const p of [...this.#remotes.values()]) if (!present.has(p.sid)) this.#removeRemote(p, 'disconnected');
    // Publish requests still waiting went to the old session: ask again.
    for (const pending of this.#pendingPublish.values()) pending.id = this.#signal?.send('publishTrack', pending.fields) ?? pending.id;
    const republished = local._rejoined(join.participant);
    // Everyone listed was there before our new session: they offer to us (they got participantJoined).
    for (const info of join.otherParticipants ?? []) {
      const known = this.#bySid.get(info.sid);
      this.#addRemote(info, true, false);
      if (known) mesh.ensurePeer(known, false);
    }
    this.#setState(ConnectionState.Connected);
    this.emit(RoomEvent.Reconnected);
    await republished;
  }

  /**
   * @param {string} reason
   * @param {string} message
   */
  #onClosed(reason, message) {
    if (this.#state === ConnectionState.Disconnected) return;
    if (this.#onPageHide) window.removeEventListener('pagehide', this.#onPageHide);
    for (const pending of this.#pendingPublish.values()) pending.reject(new ConferError('closed', 'Left the room before the track was published.'));
    this.#pendingPublish.clear();
    this.#mesh?.stop();
    for (const p of [...this.#remotes.values()]) this.#removeRemote(p, 'left');
    this.#local?._stopAll();
    this.#setState(ConnectionState.Disconnected);
    this.emit(RoomEvent.Disconnected, reason, message);
  }
}
