// @ts-check
import { PeerConnection } from './PeerConnection.js';
import { summarize, audioEnergy, levelBetween } from '../stats.js';

/** @typedef {import('./MediaEngine.js').MediaEngine} MediaEngine */
/** @typedef {import('./MediaEngine.js').EngineHost} EngineHost */
/** @typedef {import('./MediaEngine.js').EngineInit} EngineInit */
/** @typedef {import('./MediaEngine.js').LocalMedia} LocalMedia */

const STATS_INTERVAL_MS = 500;
/**
 * A new connection is left alone this long before its first getStats: the first frames are being
 * encoded and decoded then, and getStats competes with them for the same threads.
 */
const STATS_SETTLE_MS = 1000;
/** While a call is being set up the spare waits (it would compete for the same threads), this long between looks. */
const SPARE_RETRY_MS = 500;
/** ...but no longer than this (a connection that never comes up does not keep the spare away). */
const SPARE_MAX_WAIT_MS = 15000;
/** A spare this old is made anew: its candidates were gathered on the network as it was then. */
const SPARE_MAX_AGE_MS = 5 * 60 * 1000;

/**
 * The full mesh: one PeerConnection per remote participant (each our tracks and two data channels),
 * a spare connection made ahead of the next newcomer, and the stats loop. Knows participants only
 * by sid and reports to the Room through its EngineHost (engine/MediaEngine.js).
 * @implements {MediaEngine}
 */
export class MeshEngine {
  /** @type {EngineHost | undefined} */
  #host;
  #localSid = '';
  /** @type {RTCIceServer[]} */
  #iceServers = [];
  /** @type {RTCConfiguration} */
  #rtcConfig = {};
  /** False when our token may not receive media: every connection declines what it is offered. */
  #receive = true;
  /** @type {Set<string>} sids of those whose token may not receive media: they get no tracks from us */
  #nonSubscribers = new Set();
  /** @type {Map<string, PeerConnection>} by remote sid */
  #peers = new Map();
  /** @type {Map<string, LocalMedia>} our publications by track sid (our copies: every connection sends these) */
  #published = new Map();
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #timer;
  /**
   * A peer connection made before anyone needs it: our tracks and data channels attached, its offer
   * made and its candidates gathered, so the next newcomer gets an offer at once. `key`: the
   * publications it carries.
   * @type {{ peer: PeerConnection, key: string } | undefined}
   */
  #spare;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #spareTimer;
  #stopped = true;
  /** @type {Map<string, { stats?: any, totals?: any, energy?: { energy: number, duration: number } }>} by sid; '' is our microphone */
  #samples = new Map();

  /**
   * @param {EngineHost} host
   * @param {EngineInit} init
   */
  start(host, init) {
    this.#host = host;
    this.#localSid = init.localSid;
    this.#iceServers = init.iceServers;
    this.#rtcConfig = init.rtcConfig ?? {};
    this.#receive = init.canSubscribe !== false;
    this.#stopped = false;
    this.#timer = setInterval(() => { this.#sample().catch(() => {}); }, STATS_INTERVAL_MS);
    this.#renewSpare();
  }

  /** @param {EngineInit} init */
  restart(init) {
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
    this.#samples.clear();
    this.#published.clear();
    this.#nonSubscribers.clear();
    this.#localSid = init.localSid;
    this.#iceServers = init.iceServers;
    this.#receive = init.canSubscribe !== false;
    this.#renewSpare();
  }

  /**
   * Signaling is back after a drop (our network may have changed under it): connections whose ICE is
   * down resend their pending offer or restart ICE, and the spare is made anew with the fresh ICE servers.
   * @param {RTCIceServer[] | undefined} iceServers
   */
  resume(iceServers) {
    for (const peer of this.#peers.values()) peer.resync();
    if (!iceServers) return;
    this.#iceServers = iceServers;
    this.#renewSpare();
  }

  close() {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#dropSpare();
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
  }

  /**
   * @param {string} sid
   * @param {boolean} joinedAfterUs they arrived after us: we offer first, from the spare
   * @param {{ canSubscribe?: boolean }} [permissions] theirs
   */
  participantJoined(sid, joinedAfterUs, permissions) {
    if (permissions?.canSubscribe === false) this.#nonSubscribers.add(sid);
    this.#ensurePeer(sid, joinedAfterUs);
  }

  /** @param {string} sid */
  participantLeft(sid) {
    this.#peers.get(sid)?.close();
    this.#peers.delete(sid);
    this.#samples.delete(sid);
    this.#nonSubscribers.delete(sid);
  }

  /** @param {any} frame offer, answer or candidate */
  signal(frame) {
    this.#ensurePeer(frame.from, false).handle(frame);
  }

  /** @param {LocalMedia} media */
  publicationAdded(media) {
    const mine = { ...media };
    this.#published.set(mine.trackSid, mine);
    for (const peer of this.#peers.values()) peer.addPublication(mine);
    this.#renewSpare();
  }

  /** @param {string} trackSid */
  publicationRemoved(trackSid) {
    this.#published.delete(trackSid);
    for (const peer of this.#peers.values()) peer.removePublication(trackSid);
    this.#renewSpare();
  }

  /**
   * @param {string} trackSid
   * @param {MediaStreamTrack | null} track
   */
  async publicationReplaced(trackSid, track) {
    const mine = this.#published.get(trackSid);
    if (mine) mine.track = track;
    this.#renewSpare();
    if (mine) await Promise.all([...this.#peers.values()].map((peer) => peer.replaceTrack(mine)));
  }

  /**
   * A muted track travels as it is (disabled, or none while the camera is off): nothing to do.
   * @param {string} trackSid
   * @param {boolean} muted
   */
  publicationMuted(trackSid, muted) {
    const mine = this.#published.get(trackSid);
    if (mine) mine.muted = muted;
  }

  /**
   * Sends a data message on the data channel to one participant.
   * @param {string} sid
   * @param {Uint8Array} bytes a channel message (data.js toChannelMessage)
   * @param {boolean} reliable
   * @returns {boolean} false when that channel is not open (or there is no connection)
   */
  sendData(sid, bytes, reliable) {
    return this.#peers.get(sid)?.sendData(bytes, reliable) ?? false;
  }

  /** @param {string} sid */
  async getStats(sid) {
    const peer = this.#peers.get(sid);
    return peer ? peer.pc.getStats() : null;
  }

  /** Connection state, data channels, negotiation counters and transceivers of each peer connection, by sid. */
  describe() {
    /** @type {Record<string, unknown>} */
    const out = {};
    for (const [sid, peer] of this.#peers) {
      const pc = peer.pc;
      out[sid] = {
        pc: pc.connectionState, ice: pc.iceConnectionState, sig: pc.signalingState, polite: peer.polite, dataOpen: peer.dataOpen,
        counters: { ...peer.counters }, restarts: peer.iceRestarts,
        transceivers: pc.getTransceivers().map((t) => `${t.mid}:${t.direction}/${t.currentDirection}`),
      };
    }
    return out;
  }

  /** @returns {RTCConfiguration} */
  #config() {
    const extra = this.#rtcConfig;
    let iceServers = extra.iceServers ?? this.#iceServers;
    // Relay only: STUN finds nothing usable, and only costs gathering time.
    if (extra.iceTransportPolicy === 'relay') {
      iceServers = iceServers.flatMap((s) => {
        const urls = (Array.isArray(s.urls) ? s.urls : [s.urls]).filter((u) => !/^stuns?:/i.test(u));
        return urls.length ? [{ ...s, urls }] : [];
      });
    }
    return { bundlePolicy: 'max-bundle', ...extra, iceServers };
  }

  /**
   * @param {string} sid
   * @param {boolean} initiator true when they joined after us: we offer first
   */
  #ensurePeer(sid, initiator) {
    const existing = this.#peers.get(sid);
    if (existing) return existing;
    const host = /** @type {EngineHost} */ (this.#host);
    const polite = this.#localSid > sid;
    /** @type {(type: 'offer' | 'answer' | 'candidate', fields: Record<string, unknown>) => void} */
    const send = (type, fields) => host.sendSignal(type, { to: sid, ...fields });
    // Someone who may not subscribe gets a connection without our tracks (data channels only), not the spare.
    const sendMedia = !this.#nonSubscribers.has(sid);
    const spare = initiator && sendMedia ? this.#takeSpare() : undefined;
    spare?.assign({ polite, send });
    const peer = spare ?? new PeerConnection({ polite, initiator, rtcConfig: this.#config(), send, sendMedia, receive: this.#receive });
    this.#peers.set(sid, peer);
    const current = () => this.#peers.get(sid) === peer;
    peer.on('track', (mst, trackSid, receiver) => { if (current()) host.trackArrived(sid, trackSid, mst, receiver); });
    peer.on('state', (state) => { if (current()) host.connectionStateChanged(sid, state); });
    peer.on('data', (bytes) => { if (current()) host.dataReceived(sid, bytes); });
    peer.on('pathDead', () => { if (current()) host.pathDead?.(); }); // the signaling socket may have died with it
    for (const media of this.#published.values()) peer.addPublication(media);
    return peer;
  }

  /** The publications a new peer connection carries, as a key. */
  #publicationKey() {
    return [...this.#published.values()].map((m) => `${m.trackSid}:${m.track?.id}`).sort().join(',');
  }

  /** The spare, when it carries what a new peer connection would; else undefined. A new one follows. */
  #takeSpare() {
    const spare = this.#spare;
    this.#spare = undefined;
    this.#renewSpare();
    if (spare && spare.key === this.#publicationKey()) return spare.peer;
    spare?.peer.close();
    return undefined;
  }

  #dropSpare() {
    clearTimeout(this.#spareTimer);
    this.#spare?.peer.close();
    this.#spare = undefined;
  }

  /**
   * Replaces the spare (its offer no longer fits, or it was taken) once nothing is being set up: a
   * peer connection being made, or the first second of one, is left alone. Asked for several times
   * in one task (camera and microphone published together), it makes one.
   */
  #renewSpare() {
    this.#dropSpare();
    if (this.#stopped) return;
    const since = performance.now();
    const make = () => {
      if (this.#stopped || this.#spare) return;
      const busy = [...this.#peers.values()].some((peer) => {
        const state = peer.pc.connectionState;
        return state === 'new' || state === 'connecting' || (state === 'connected' && peer.connectedFor < STATS_SETTLE_MS);
      });
      if (busy && performance.now() - since < SPARE_MAX_WAIT_MS) {
        this.#spareTimer = setTimeout(make, SPARE_RETRY_MS);
        return;
      }
      const key = this.#publicationKey();
      const peer = new PeerConnection({ initiator: true, rtcConfig: this.#config(), receive: this.#receive });
      for (const media of this.#published.values()) peer.addPublication(media);
      this.#spare = { peer, key };
      this.#spareTimer = setTimeout(() => this.#renewSpare(), SPARE_MAX_AGE_MS);
    };
    this.#spareTimer = setTimeout(make, 0);
  }

  /** Measures every settled connection and reports one EngineSample. */
  async #sample() {
    /** @type {import('./MediaEngine.js').EngineSample} */
    const sample = { stats: new Map(), levels: new Map(), localLevel: 0 };
    await Promise.all([...this.#peers.entries()].map(async ([sid, peer]) => {
      // Not while connecting (getStats competes with ICE and DTLS), nor while the first frames start.
      if (peer.pc.connectionState !== 'connected' || peer.connectedFor < STATS_SETTLE_MS) return;
      const report = await peer.pc.getStats();
      if (this.#peers.get(sid) !== peer) return;
      peer.noteStats(report);
      const s = this.#samples.get(sid) ?? {};
      const { stats, totals } = summarize(report, s.stats, s.totals);
      s.stats = stats;
      s.totals = totals;
      sample.stats.set(sid, stats);
      const energy = audioEnergy(report, 'inbound-rtp');
      sample.levels.set(sid, levelBetween(s.energy, energy));
      s.energy = energy;
      this.#samples.set(sid, s);
      // Our microphone goes to every connection; any of them tells its level.
      const mine = audioEnergy(report, 'media-source');
      const local = this.#samples.get('') ?? {};
      if (mine.duration > (local.energy?.duration ?? 0)) {
        sample.localLevel = Math.max(sample.localLevel, levelBetween(local.energy, mine));
        local.energy = mine;
        this.#samples.set('', local);
      }
    }));
    if (!this.#stopped) this.#host?.sampled(sample);
  }
}
