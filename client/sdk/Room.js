// @ts-check
import { Emitter } from './Emitter.js';
import { SignalClient } from './SignalClient.js';
import { ConferError } from './ConferError.js';
import { RoomEvent, ConnectionState, TrackSource } from './events.js';
import { LocalParticipant } from './LocalParticipant.js';
import { RemoteParticipant } from './RemoteParticipant.js';
import { RemoteTrack } from './Track.js';
import { RemoteTrackPublication } from './TrackPublication.js';
import { MeshEngine } from './engine/MeshEngine.js';
import { fromPayload, fromChannelMessage } from './data.js';
import { closeReason, toSignalUrl } from './url.js';
import { SpeakerDetector } from './speakers.js';

/** @typedef {import('./engine/MediaEngine.js').MediaEngine} MediaEngine */
/** @typedef {import('./engine/MediaEngine.js').EngineHost} EngineHost */
/** @typedef {import('./engine/MediaEngine.js').EngineSample} EngineSample */
/** @typedef {import('./TrackPublication.js').LocalTrackPublication} LocalTrackPublication */
/** @typedef {import('./Participant.js').Participant} Participant */

/**
 * @typedef {Object} RoomOptions
 * @property {RTCConfiguration} [rtcConfig] merged into every RTCPeerConnection's configuration;
 *   its fields win over the server's (`{ iceTransportPolicy: 'relay' }` forces TURN; `iceServers`
 *   here replaces the list the server sent).
 * @property {number} [speakingThreshold] audio level (0–1) above which someone counts as speaking; default 0.02
 * @property {MediaEngine} [engine] what carries the media (engine/MediaEngine.js); by default a
 *   MeshEngine, one peer connection per person. One engine serves one Room.
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
 * A meeting as this browser sees it. Owns all public state (participants, publications, tracks,
 * speakers, connection stats) and emits every RoomEvent; the media engine carries the media and
 * reports to it (engine/MediaEngine.js). Create one with `connect()`.
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
  /** @type {Map<string, { resolve: (info: any) => void, reject: (e: Error) => void, id: number, fields: Record<string, unknown> }>} by cid */
  #pendingPublish = new Map();
  /** @type {MediaEngine} */
  #engine;
  /** True from the engine's start to its close: only then are its reports taken. */
  #engineLive = false;
  /** @type {RTCIceServer[]} */
  #iceServers = [];
  /** @type {Map<string, { participantSid: string, track: MediaStreamTrack, receiver: RTCRtpReceiver | null }>} media that arrived before its trackPublished, by track sid */
  #early = new Map();
  /** @type {Participant[]} loudest first */
  #speakers = [];
  /** @type {SpeakerDetector<Participant>} */
  #detector;
  /** @type {(() => void) | undefined} */
  #onPageHide;

  /** @param {RoomOptions} [options] */
  constructor(options = {}) {
    super();
    this.#options = options;
    this.#engine = options.engine ?? new MeshEngine();
    this.#detector = new SpeakerDetector(options.speakingThreshold ?? 0.02);
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
  get activeSpeakers() { return this.#speakers; }

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
      published: (pubs) => this.#published(pubs),
      unpublished: (pub) => this.#unpublished(pub),
      replaceTrack: (pub, track) => this.#replaceTrack(pub, track),
      setMuted: (pub, muted) => this.#setLocalMuted(pub, muted),
      send: (type, fields) => { this.#signal?.send(type, fields); },
      sendData: (bytes, reliable, identities) => this.#sendData(bytes, reliable, identities),
      connected: () => this.#state === ConnectionState.Connected || this.#state === ConnectionState.Reconnecting,
    });
    this.#iceServers = join.iceServers ?? [];
    signal.on('message', (f) => this.#onMessage(f));
    signal.on('reconnecting', () => {
      this.#setState(ConnectionState.Reconnecting);
      this.emit(RoomEvent.Reconnecting);
    });
    signal.on('resumed', (f) => this.#onResumed(f));
    signal.on('rejoined', (f) => { this.#onRejoined(f).catch((e) => console.warn('confer: rejoining failed', e)); });
    signal.on('closed', (reason, code) => this.#onClosed(closeReason(code), reason));
    this.#engineLive = true;
    this.#engine.start(this.#engineHost(), { localSid: this.#local.sid, iceServers: this.#iceServers, rtcConfig: this.#options.rtcConfig });
    for (const info of join.otherParticipants ?? []) this.#addRemote(info, false);
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
  _describeEngine() { return this.#engine.describe(); }

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
   * @param {boolean} [joinedAfterUs] they arrived while we were here (the engine's `participantJoined`); by default when announced
   */
  #addRemote(info, announce, joinedAfterUs = announce) {
    let p = this.#remotes.get(info.identity);
    if (p && p.sid !== info.sid) { this.#removeRemote(p, 'replaced'); p = undefined; }
    if (p) {
      p._update(info);
    } else {
      p = new RemoteParticipant(info, this.#engine);
      this.#remotes.set(p.identity, p);
      this.#bySid.set(p.sid, p);
      if (announce) this.emit(RoomEvent.ParticipantConnected, p);
      this.#engine.participantJoined(p.sid, joinedAfterUs);
    }
    this.#syncPublications(p, info.tracks ?? []);
    return p;
  }

  /**
   * @param {RemoteParticipant} p
   * @param {string} reason
   */
  #removeRemote(p, reason) {
    if (this.#remotes.get(p.identity) !== p) return;
    this.#syncPublications(p, []);
    for (const [trackSid, early] of this.#early) if (early.participantSid === p.sid) this.#early.delete(trackSid);
    if (this.#engineLive) this.#engine.participantLeft(p.sid);
    p._setConnectionState('closed');
    this.#detector.forget(p);
    this.#setSpeakers(this.#speakers.filter((s) => s !== p));
    this.#remotes.delete(p.identity);
    this.#bySid.delete(p.sid);
    this.emit(RoomEvent.ParticipantDisconnected, p, reason);
  }

  /**
   * Makes a participant's publications match the server's list.
   * @param {RemoteParticipant} p
   * @param {any[]} tracks TrackInfo[]
   */
  #syncPublications(p, tracks) {
    const keep = new Set(tracks.map((t) => t.sid));
    for (const sid of p.trackPublications.keys()) if (!keep.has(sid)) this.#removeRemotePublication(p, sid);
    for (const t of tracks) {
      const pub = p._publication(t.sid);
      if (!pub) this.#addRemotePublication(p, t);
      else this.#setRemoteMuted(p, pub, !!t.muted);
    }
  }

  /**
   * @param {RemoteParticipant} p
   * @param {any} info TrackInfo
   */
  #addRemotePublication(p, info) {
    if (p._publication(info.sid)) return;
    const pub = new RemoteTrackPublication(info);
    p._addPublication(pub);
    this.emit(RoomEvent.TrackPublished, pub, p);
    const early = this.#early.get(info.sid);
    if (early?.participantSid === p.sid) {
      this.#early.delete(info.sid);
      this.#subscribe(p, pub, early.track, early.receiver);
    }
  }

  /**
   * @param {RemoteParticipant} p
   * @param {string} trackSid
   */
  #removeRemotePublication(p, trackSid) {
    const pub = /** @type {RemoteTrackPublication | undefined} */ (p._publication(trackSid));
    if (!pub) return;
    p._removePublication(trackSid);
    this.#early.delete(trackSid);
    this.#unsubscribe(p, pub);
    this.emit(RoomEvent.TrackUnpublished, pub, p);
  }

  /**
   * @param {RemoteParticipant} p
   * @param {import('./TrackPublication.js').TrackPublication} pub
   * @param {boolean} muted
   */
  #setRemoteMuted(p, pub, muted) {
    if (pub.isMuted === muted) return;
    pub._setMuted(muted);
    this.emit(muted ? RoomEvent.TrackMuted : RoomEvent.TrackUnmuted, pub, p);
  }

  /**
   * @param {RemoteParticipant} p
   * @param {RemoteTrackPublication} pub
   * @param {MediaStreamTrack} mst
   * @param {RTCRtpReceiver | null} receiver
   */
  #subscribe(p, pub, mst, receiver) {
    if (pub.track?.mediaStreamTrack === mst) return;
    const track = new RemoteTrack(mst, pub.source, receiver);
    pub._setTrack(track);
    this.emit(RoomEvent.TrackSubscribed, track, pub, p);
  }

  /**
   * @param {RemoteParticipant} p
   * @param {RemoteTrackPublication} pub
   */
  #unsubscribe(p, pub) {
    const track = pub.track;
    if (!track) return;
    pub._setTrack(undefined);
    this.emit(RoomEvent.TrackUnsubscribed, track, pub, p);
    track.detach();
  }

  /**
   * What the engine reports with; each report about someone no longer here is dropped.
   * @returns {EngineHost}
   */
  #engineHost() {
    const live = () => this.#engineLive;
    /** @param {string} sid */
    const remote = (sid) => (live() ? this.#bySid.get(sid) : undefined);
    return {
      sendSignal: (type, fields) => { if (live()) this.#signal?.send(type, fields); },
      trackArrived: (sid, trackSid, track, receiver) => {
        const p = remote(sid);
        if (!p) return;
        const pub = /** @type {RemoteTrackPublication | undefined} */ (p._publication(trackSid));
        if (pub) this.#subscribe(p, pub, track, receiver);
        else this.#early.set(trackSid, { participantSid: sid, track, receiver });
      },
      trackEnded: (sid, trackSid) => {
        const p = remote(sid);
        if (!p) return;
        if (this.#early.get(trackSid)?.participantSid === sid) this.#early.delete(trackSid);
        const pub = /** @type {RemoteTrackPublication | undefined} */ (p._publication(trackSid));
        if (pub) this.#unsubscribe(p, pub);
      },
      connectionStateChanged: (sid, state) => {
        const p = remote(sid);
        if (!p) return;
        p._setConnectionState(state);
        this.emit(RoomEvent.PeerConnectionStateChanged, p, state);
      },
      dataReceived: (sid, bytes) => {
        const p = remote(sid);
        const msg = p && fromChannelMessage(bytes);
        if (msg) this.emit(RoomEvent.DataReceived, msg.payload, p, msg.topic);
      },
      sampled: (sample) => { if (live()) this.#onSampled(sample); },
    };
  }

  /**
   * Connection stats, audio levels and who is speaking, from one round of the engine's measurements.
   * @param {EngineSample} sample
   */
  #onSampled(sample) {
    const local = this.#local;
    if (!local) return;
    for (const [sid, stats] of sample.stats) this.#bySid.get(sid)?._setStats(stats);
    /** @type {{ p: Participant, level: number }[]} */
    const levels = [];
    for (const [sid, level] of sample.levels) {
      const p = this.#bySid.get(sid);
      if (p) levels.push({ p, level });
    }
    const mic = local.getTrackPublication(TrackSource.Microphone);
    levels.push({ p: local, level: mic && !mic.isMuted ? sample.localLevel : 0 });
    const { states, speakers } = this.#detector.judge(levels, performance.now());
    for (const { p, level, speaking } of states) p._setSpeaking(speaking, level);
    const same = speakers.length === this.#speakers.length && speakers.every((p) => this.#speakers.includes(p));
    if (!same) this.#setSpeakers(speakers);
  }

  /** @param {Participant[]} speakers */
  #setSpeakers(speakers) {
    this.#speakers = speakers;
    this.emit(RoomEvent.ActiveSpeakersChanged, speakers);
  }

  /**
   * The local participant's new publications: ours now, sent to the others, announced.
   * @param {LocalTrackPublication[]} pubs
   */
  #published(pubs) {
    const local = /** @type {LocalParticipant} */ (this.#local);
    for (const pub of pubs) {
      local._addPublication(pub);
      if (this.#engineLive) this.#engine.publicationAdded(localMedia(pub));
    }
    for (const pub of pubs) this.emit(RoomEvent.LocalTrackPublished, pub, local);
  }

  /** @param {LocalTrackPublication} pub */
  #unpublished(pub) {
    const local = /** @type {LocalParticipant} */ (this.#local);
    if (!local._removePublication(pub.trackSid)) return;
    if (this.#engineLive) this.#engine.publicationRemoved(pub.trackSid);
    pub.track.stop();
    if (this.#state === ConnectionState.Connected || this.#state === ConnectionState.Reconnecting) this.#signal?.send('unpublishTrack', { trackSid: pub.trackSid });
    this.emit(RoomEvent.LocalTrackUnpublished, pub, local);
  }

  /**
   * @param {LocalTrackPublication} pub
   * @param {MediaStreamTrack | null} track
   */
  async #replaceTrack(pub, track) {
    pub.track._setMediaStreamTrack(track);
    if (this.#engineLive) await this.#engine.publicationReplaced(pub.trackSid, track);
  }

  /**
   * @param {LocalTrackPublication} pub
   * @param {boolean} muted
   */
  #setLocalMuted(pub, muted) {
    if (pub.isMuted === muted) return;
    pub._setMuted(muted);
    this.#signal?.send('muteTrack', { trackSid: pub.trackSid, muted });
    if (this.#engineLive) this.#engine.publicationMuted(pub.trackSid, muted);
    this.emit(muted ? RoomEvent.TrackMuted : RoomEvent.TrackUnmuted, pub, this.#local);
  }

  /**
   * Sends a data message straight to each person (the engine); says who it could not reach so.
   * @param {Uint8Array} bytes a channel message (data.js toChannelMessage)
   * @param {boolean} reliable
   * @param {string[] | undefined} identities undefined: everyone we know
   */
  #sendData(bytes, reliable, identities) {
    /** @type {string[]} */
    const rest = [];
    let reached = 0;
    for (const identity of identities ?? [...this.#remotes.keys()]) {
      const p = this.#remotes.get(identity);
      if (p && this.#engineLive && this.#engine.sendData(p.sid, bytes, reliable)) reached++;
      else rest.push(identity);
    }
    return { reached, rest };
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
          if (p) this.#addRemotePublication(p, f.track);
        }
        break;
      case 'trackUnpublished': {
        const p = this.#bySid.get(f.participantSid);
        if (p) this.#removeRemotePublication(p, f.trackSid);
        break;
      }
      case 'trackMuted':
        this.#onTrackMuted(f);
        break;
      case 'offer': case 'answer': case 'candidate':
        if (this.#bySid.has(f.from)) this.#engine.signal(f); // else from someone who already left
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
      const pub = local._publication(f.trackSid);
      if (pub && f.muted && !pub.isMuted) {
        if (pub.source === TrackSource.Camera) local.setCameraEnabled(false);
        else if (pub.source === TrackSource.Microphone) local.setMicrophoneEnabled(false);
      }
      return;
    }
    const p = this.#bySid.get(f.participantSid);
    const pub = p?._publication(f.trackSid);
    if (p && pub) this.#setRemoteMuted(p, pub, !!f.muted);
  }

  /** @param {any} f resumed frame */
  #onResumed(f) {
    // Reconcile with the server's view; replayed frames follow and are applied idempotently.
    if (f.iceServers) this.#iceServers = f.iceServers;
    this.#engine.resume(f.iceServers);
    const present = new Set((f.otherParticipants ?? []).map((/** @type {any} */ i) => i.sid));
    for (const p of [...this.#remotes.values()]) if (!present.has(p.sid)) this.#removeRemote(p, 'disconnected');
    for (const info of f.otherParticipants ?? []) this.#addRemote(info, true);
    this.#setState(ConnectionState.Connected);
    this.emit(RoomEvent.Reconnected);
  }

  /**
   * The old session was gone (close 4008: the resume grace period ran out) and the SDK joined
   * afresh. We are a new participant (new sid, new track sids; the others saw us leave and come
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
    this.#engine.restart({ localSid: local.sid, iceServers: this.#iceServers, rtcConfig: this.#options.rtcConfig });
    this.#early.clear();
    this.#detector.clear();
    for (const p of this.#remotes.values()) {
      this.#syncPublications(p, []); // their media came over the closed connections
      p._setConnectionState('new');
    }
    const present = new Set((join.otherParticipants ?? []).map((/** @type {any} */ i) => i.sid));
    for (const p of [...this.#remotes.values()]) if (!present.has(p.sid)) this.#removeRemote(p, 'disconnected');
    // Publish requests still waiting went to the old session: ask again.
    for (const pending of this.#pendingPublish.values()) pending.id = this.#signal?.send('publishTrack', pending.fields) ?? pending.id;
    const republished = this.#republish(pubs);
    // Everyone listed was there before our new session: they offer to us (they got participantJoined).
    for (const info of join.otherParticipants ?? []) {
      const known = this.#bySid.get(info.sid);
      this.#addRemote(info, true, false);
      if (known) this.#engine.participantJoined(known.sid, false);
    }
    this.#setState(ConnectionState.Connected);
    this.emit(RoomEvent.Reconnected);
    await republished;
  }

  /**
   * After a fresh join every publication is asked for again (new track sids) before the engine sees it.
   * @param {LocalTrackPublication[]} pubs
   */
  async #republish(pubs) {
    const local = /** @type {LocalParticipant} */ (this.#local);
    const results = await Promise.allSettled(pubs.map((pub) => this.#requestPublish({
      cid: pub._stream.id, kind: pub.kind, source: pub.source, muted: pub.isMuted,
      ...(pub.trackName !== pub.source ? { name: pub.trackName } : {}),
    })));
    pubs.forEach((pub, i) => {
      const r = results[i];
      if (r.status === 'rejected') { pub.track.stop(); this.emit(RoomEvent.LocalTrackUnpublished, pub, local); return; }
      pub._setSid(r.value.sid);
      local._addPublication(pub);
      if (this.#engineLive) this.#engine.publicationAdded(localMedia(pub));
    });
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
    if (this.#engineLive) this.#engine.close();
    this.#engineLive = false;
    for (const p of [...this.#remotes.values()]) this.#removeRemote(p, 'left');
    for (const pub of this.#local?.trackPublications.values() ?? []) pub.track.stop();
    this.#setState(ConnectionState.Disconnected);
    this.emit(RoomEvent.Disconnected, reason, message);
  }
}

/**
 * One of our publications as the engine gets it.
 * @param {LocalTrackPublication} pub
 * @returns {import('./engine/MediaEngine.js').LocalMedia}
 */
function localMedia(pub) {
  return {
    trackSid: pub.trackSid, kind: /** @type {'audio' | 'video'} */ (pub.kind), source: pub.source,
    track: pub.track.mediaStreamTrack, stream: pub._stream, muted: pub.isMuted,
  };
}
