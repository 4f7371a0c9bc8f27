// @ts-check
import { Emitter } from './Emitter.js';
import { SignalClient } from './SignalClient.js';
import { ConferError } from './ConferError.js';
import { RoomEvent, ConnectionState } from './events.js';
import { LocalParticipant } from './LocalParticipant.js';
import { RemoteParticipant } from './RemoteParticipant.js';
import { EngineSwitch } from './engine/EngineSwitch.js';
import { closeReason, toSignalUrl } from './url.js';
import { runConnectionCheck } from './connectionCheck.js';
import { PublishRequests } from './publishRequests.js';
import { engineHost } from './roomEngineHost.js';
import { onSignalMessage } from './roomSignals.js';
import { localParticipantHost, republish, syncPublications } from './roomTracks.js';
import { Hosting } from './roomModeration.js';
import { RoomSamples } from './roomSamples.js';

/** @typedef {import('./engine/MediaEngine.js').MediaEngine} MediaEngine */
/** @typedef {import('./engine/MediaEngine.js').EngineSample} EngineSample */
/** @typedef {import('./TrackPublication.js').LocalTrackPublication} LocalTrackPublication */
/** @typedef {import('./Participant.js').Participant} Participant */
/** @typedef {import('./roomSignals.js').ChatMessage} ChatMessage */
/** @typedef {import('./roomSignals.js').LobbyGuest} LobbyGuest */

/**
 * @typedef {Object} RoomOptions
 * @property {RTCConfiguration} [rtcConfig] merged into every RTCPeerConnection's configuration;
 *   its fields win over the server's (`{ iceTransportPolicy: 'relay' }` forces TURN; `iceServers`
 *   here replaces the list the server sent).
 * @property {number} [speakingThreshold] audio level (0–1) above which someone counts as speaking; default 0.02
 * @property {MediaEngine} [engine] what carries the media (engine/MediaEngine.js); by default an
 *   EngineSwitch: the server's topology chooses a MeshEngine (one peer connection per person) or, in a
 *   room whose media goes through Confer's SFU, an SfuEngine, and moves between them when it changes.
 *   One engine serves one Room.
 */

/**
 * @typedef {Object} EarlyMedia media that arrived before its `trackPublished`
 * @property {string} participantSid
 * @property {MediaStreamTrack} track
 * @property {RTCRtpReceiver | null} receiver
 */

/**
 * A meeting as this browser sees it. Owns all public state (participants, publications, tracks,
 * speakers, connection stats) and emits every RoomEvent; the media engine carries the media and
 * reports to it (engine/MediaEngine.js). Create one with `connect()`.
 *
 * The Room is split by concern: this file holds its state, its lifecycle and who is here;
 * roomSignals.js takes the server's frames, roomEngineHost.js the engine's reports, roomTracks.js
 * the publications and tracks (ours and theirs), roomSamples.js the engine's measurements (stats, paths,
 * speakers), roomModeration.js the host side. Those parts change state and emit on the Room's
 * behalf and reach its own state only through its `_` members; nothing else changes public state.
 */
export class Room extends Emitter {
  #name = '';
  #sid = '';
  #metadata = '';
  /** @type {string} */
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
  #publishes = new PublishRequests();
  /** @type {MediaEngine} chosen at the first join unless the app gave one */
  #engine = /** @type {MediaEngine} */ (/** @type {unknown} */ (undefined));
  /** True from the engine's start to its close: only then are its reports taken. */
  #engineLive = false;
  /** @type {RTCIceServer[]} */
  #iceServers = [];
  /** What connect() was given, for runConnectionCheck(). */
  #connectedWith = { url: '', token: '' };
  /** @type {Map<string, EarlyMedia>} by track sid */
  #early = new Map();
  /** @type {RoomSamples} */
  #samples;
  /** @type {(() => void) | undefined} */
  #onPageHide;
  #hosting = new Hosting(this);

  /** @param {RoomOptions} [options] */
  constructor(options = {}) {
    super();
    this.#options = options;
    if (options.engine) this.#engine = options.engine;
    this.#samples = new RoomSamples(this, options.speakingThreshold ?? 0.02);
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
  get activeSpeakers() { return this.#samples.speakers; }
  /** Only hosts and guests a host admitted may join (a host's lockRoom). */
  get isLocked() { return this.#hosting.locked; }
  /** Guests with the link wait until a host admits them. */
  get hasLobby() { return this.#hosting.hasLobby; }
  /** Hosts: the people waiting in the lobby, first come first (`lobbyChanged`). A copy; empty for others. */
  get lobby() { return [...this.#hosting.lobby]; }
  // Host actions (roomModeration.js): each rejects unless we are a connected host, and the server refuses them too.
  /** Lets a waiting guest in. @param {string} guestId LobbyGuest.id */
  async admit(guestId) { this.#hosting.send('admit', { guest: guestId }); }
  /** Turns a waiting guest away. @param {string} guestId LobbyGuest.id */
  async deny(guestId) { this.#hosting.send('deny', { guest: guestId }); }
  /** Locks the room (only hosts and admitted guests may join) or unlocks it; `roomUpdated` follows. @param {boolean} locked */
  async setLocked(locked) { this.#hosting.send('lockRoom', { locked: !!locked }); }
  /** Ends the meeting for everyone (their `disconnected` says `roomDeleted`). */
  async endMeeting() { this.#hosting.send('endMeeting', {}); }

  /**
   * Checks each way this browser can reach the server (WebSocket, STUN, TURN over UDP, TCP and TLS, a media
   * round trip) with this room's server and token, and says in plain words what is blocked and what calls use.
   * Needs a connect() first; joins nothing more.
   * @param {import('./connectionCheck.js').ConnectionCheckOptions} [options]
   * @returns {Promise<import('./connectionCheck.js').ConnectionCheckReport>}
   */
  runConnectionCheck(options) {
    const { url, token } = this.#connectedWith;
    if (!token) return Promise.reject(new ConferError('invalid_argument', 'runConnectionCheck() needs a connect() first.'));
    return runConnectionCheck(url, token, options);
  }

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
    this.#connectedWith = { url, token };
    let join;
    try {
      join = await signal.join();
    } catch (e) {
      this.#setState(ConnectionState.Disconnected);
      throw e;
    }
    this.#name = join.room?.name ?? '';
    this.#sid = join.room?.sid ?? '';
    this._setRoomInfo(join.room ?? {}, false);
    this.#local = new LocalParticipant(join.participant, localParticipantHost(this));
    this.#iceServers = join.iceServers ?? [];
    signal.on('message', (f) => onSignalMessage(this, f));
    signal.on('reconnecting', (/** @type {string} */ reason) => {
      this.#setState(ConnectionState.Reconnecting);
      this.emit(RoomEvent.Reconnecting, reason);
    });
    signal.on('resumed', (f) => this.#onResumed(f));
    signal.on('rejoined', (f) => { this.#onRejoined(f).catch((e) => console.warn('confer: rejoining failed', e)); });
    signal.on('closed', (reason, code) => this.#onClosed(closeReason(code), reason));
    this.#engine ??= new EngineSwitch();
    this.#engineLive = true;
    this.#engine.start(engineHost(this, () => this.#engineLive), { ...this.#engineInit(), topology: join.topology });
    for (const info of join.otherParticipants ?? []) this._addRemote(info, false);
    this.#onPageHide = () => this.disconnect();
    window.addEventListener('pagehide', this.#onPageHide);
    this.#setState(ConnectionState.Connected);
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

  /** The media engine's diagnostics, by participant sid (tests, the browser console). @internal */
  _describeEngine() { return this.#engine?.describe() ?? {}; }
  // Internal: for the Room's parts (roomSignals.js, roomEngineHost.js, roomTracks.js) only.

  /** A remote participant by sid. @param {string} sid @internal */
  _remote(sid) { return this.#bySid.get(sid); }

  /** The media engine while it is live (started, not closed); undefined otherwise. @internal */
  get _engine() { return this.#engineLive ? this.#engine : undefined; }

  /** Media that arrived before its `trackPublished`, by track sid. @internal */
  get _early() { return this.#early; }

  /** Our publish requests waiting for the server. @internal */
  get _publishes() { return this.#publishes; }

  /**
   * Sends a signaling frame (nothing before connect). @internal
   * @param {string} type
   * @param {Record<string, unknown>} fields
   */
  _send(type, fields) { this.#signal?.send(type, fields); }

  /** The engine found its media path dead: check that the signaling socket still reaches the server (SignalClient.suspect). */
  _suspectSignal() { this.#signal?.suspect(); }

  /**
   * Asks the server to publish one of ours; resolves with its TrackInfo. @internal
   * @param {Record<string, unknown>} fields
   * @returns {Promise<any>}
   */
  _requestPublish(fields) {
    const signal = this.#signal;
    if (!signal || this.#state === ConnectionState.Disconnected) return Promise.reject(new ConferError('not_connected', 'Not connected to a room.'));
    return this.#publishes.request((type, f) => signal.send(type, f), fields);
  }

  /**
   * Someone is here (join, participantJoined, resumed, rejoined): added, or brought up to date.
   * @param {any} info ParticipantInfo
   * @param {boolean} announce emit participantConnected
   * @param {boolean} [joinedAfterUs] they arrived while we were here (the engine's `participantJoined`); by default when announced
   * @internal
   */
  _addRemote(info, announce, joinedAfterUs = announce) {
    let p = this.#remotes.get(info.identity);
    if (p && p.sid !== info.sid) { this._removeRemote(p, 'replaced'); p = undefined; }
    if (p) {
      p._update(info);
    } else {
      p = new RemoteParticipant(info, this.#engine, this.#hosting.send);
      this.#remotes.set(p.identity, p);
      this.#bySid.set(p.sid, p);
      if (announce) this.emit(RoomEvent.ParticipantConnected, p);
      this.#engine.participantJoined(p.sid, joinedAfterUs, p.permissions);
    }
    syncPublications(this, p, info.tracks ?? []);
    return p;
  }

  /**
   * @param {RemoteParticipant} p
   * @param {string} reason
   * @internal
   */
  _removeRemote(p, reason) {
    if (this.#remotes.get(p.identity) !== p) return;
    syncPublications(this, p, []);
    for (const [trackSid, early] of this.#early) if (early.participantSid === p.sid) this.#early.delete(trackSid);
    if (this.#engineLive) this.#engine.participantLeft(p.sid);
    p._setConnectionState('closed');
    this.#samples.forget(p);
    this.#remotes.delete(p.identity);
    this.#bySid.delete(p.sid);
    this.emit(RoomEvent.ParticipantDisconnected, p, reason);
  }

  /**
   * Connection stats, audio levels and who is speaking, from one round of the engine's measurements (roomSamples.js).
   * @param {EngineSample} sample
   * @internal
   */
  _sampled(sample) { this.#samples.sampled(sample); }

  /** @returns {import('./engine/MediaEngine.js').EngineInit} */
  #engineInit() {
    const local = /** @type {LocalParticipant} */ (this.#local);
    return { localSid: local.sid, iceServers: this.#iceServers, rtcConfig: this.#options.rtcConfig, canSubscribe: local.permissions.canSubscribe };
  }

  /** RoomInfo from join, resumed or roomUpdated. @param {any} info @param {boolean} announce @internal */
  _setRoomInfo(info, announce) {
    this.#metadata = info.metadata ?? '';
    this.#hosting.setInfo(info, announce);
  }
  /** The lobby frame (hosts only). @param {LobbyGuest[]} waiting @internal */
  _setLobby(waiting) { this.#hosting.setLobby(waiting); }

  /** @param {string} state */
  #setState(state) {
    if (this.#state === state) return;
    this.#state = state;
    this.emit(RoomEvent.ConnectionStateChanged, state);
  }

  /** @param {any} f resumed frame */
  #onResumed(f) {
    if (f.rebuilt === true) {
      // Our room's node died and a live node made the session again from our resume token: same sids, but no tracks
      // and no media connections. As after a fresh join (below), without anyone seeing us leave: people not back yet go,
      // and come back through participantJoined with their old sids.
      if (f.room) this._setRoomInfo(f.room, true);
      this.#onRejoined(f).catch((e) => console.warn('confer: rebuilding the session failed', e));
      return;
    }
    // Reconcile with the server's view; replayed frames follow and are applied idempotently.
    if (f.iceServers) this.#iceServers = f.iceServers;
    if (f.room) this._setRoomInfo(f.room, true);
    this.#engine.resume(f.iceServers);
    if (f.topology) this.#engine.topologyChanged?.(f.topology);
    const present = new Set((f.otherParticipants ?? []).map((/** @type {any} */ i) => i.sid));
    for (const p of [...this.#remotes.values()]) if (!present.has(p.sid)) this._removeRemote(p, 'disconnected');
    for (const info of f.otherParticipants ?? []) this._addRemote(info, true);
    this.#setState(ConnectionState.Connected);
    this.emit(RoomEvent.Reconnected);
  }

  /**
   * The old session was gone (close 4008: the resume grace period ran out) and the SDK joined
   * afresh; or (a `resumed` frame with `rebuilt`) it was made again on another node with the same sids. We are a new participant (new sid, new track sids; the others saw us leave and come
   * back), so the engine starts over; people still there keep their objects.
   * @param {any} join the new join frame
   */
  async #onRejoined(join) {
    const local = this.#local;
    if (!local || !this.#engineLive) return;
    local._setSid(join.participant.sid);
    local._update(join.participant);
    const pubs = /** @type {LocalTrackPublication[]} */ (local._takePublications());
    if (join.iceServers) this.#iceServers = join.iceServers;
    this.#engine.restart({ ...this.#engineInit(), topology: join.topology });
    this.#early.clear();
    this.#samples.clear();
    for (const p of this.#remotes.values()) {
      syncPublications(this, p, []); // their media came over the closed connections
      p._setConnectionState('new');
    }
    const present = new Set((join.otherParticipants ?? []).map((/** @type {any} */ i) => i.sid));
    for (const p of [...this.#remotes.values()]) if (!present.has(p.sid)) this._removeRemote(p, 'disconnected');
    // Publish requests still waiting went to the old session: ask again.
    this.#publishes.resend((type, fields) => this.#signal?.send(type, fields));
    const republished = republish(this, pubs);
    // Everyone listed was there before our new session: they offer to us (they got participantJoined).
    for (const info of join.otherParticipants ?? []) {
      const known = this.#bySid.get(info.sid);
      this._addRemote(info, true, false);
      if (known) this.#engine.participantJoined(known.sid, false, known.permissions);
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
    this.#publishes.rejectAll();
    if (this.#engineLive) this.#engine.close();
    this.#engineLive = false;
    for (const p of [...this.#remotes.values()]) this._removeRemote(p, 'left');
    for (const pub of this.#local?.trackPublications.values() ?? []) pub.track.stop();
    this.#setState(ConnectionState.Disconnected);
    this.emit(RoomEvent.Disconnected, reason, message);
  }
}
