// @ts-check
import { PeerConnection } from './PeerConnection.js';
import { RemoteTrack } from './Track.js';
import { RemoteTrackPublication } from './TrackPublication.js';
import { RoomEvent } from './events.js';
import { summarize, audioEnergy } from './stats.js';
import { fromChannelMessage } from './data.js';

const STATS_INTERVAL_MS = 500;
/**
 * A new connection is left alone this long before its first getStats: the first frames are being
 * encoded and decoded then, and getStats competes with them for the same threads.
 */
const STATS_SETTLE_MS = 1000;
/** Speaking state is held this long after the level drops, so highlights do not flicker. */
const SPEAKING_HOLD_MS = 1200;
/** While a call is being set up the spare waits (it would compete for the same threads), this long between looks. */
const SPARE_RETRY_MS = 500;
/** ...but no longer than this (a connection that never comes up does not keep the spare away). */
const SPARE_MAX_WAIT_MS = 15000;
/** A spare this old is made anew: its candidates were gathered on the network as it was then. */
const SPARE_MAX_AGE_MS = 5 * 60 * 1000;

/**
 * The full mesh behind a Room: one PeerConnection per remote participant, the mapping from
 * incoming media to publications, and the stats loop (connection quality, active speakers).
 * Changes public state only through the participants' internal setters and Room events.
 * @internal
 */
export class Mesh {
  #room;
  #local;
  #signal;
  /** @type {RTCIceServer[]} */
  #iceServers;
  #options;
  /** @type {Map<string, PeerConnection>} by remote sid */
  #peers = new Map();
  /** @type {Map<string, { mst: MediaStreamTrack, receiver: RTCRtpReceiver }>} media that arrived before its trackPublished */
  #early = new Map();
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
  #stopped = false;
  /** @type {Map<string, { stats?: any, totals?: any, energy?: { energy: number, duration: number }, lastLoud: number }>} */
  #samples = new Map();
  /** @type {import('./Participant.js').Participant[]} */
  speakers = [];

  /**
   * @param {import('./Room.js').Room} room
   * @param {import('./LocalParticipant.js').LocalParticipant} local
   * @param {import('./SignalClient.js').SignalClient} signal
   * @param {RTCIceServer[]} iceServers
   * @param {import('./Room.js').RoomOptions} options
   */
  constructor(room, local, signal, iceServers, options) {
    this.#room = room;
    this.#local = local;
    this.#signal = signal;
    this.#iceServers = iceServers;
    this.#options = options;
  }

  start() {
    this.#timer = setInterval(() => { this.#sample().catch(() => {}); }, STATS_INTERVAL_MS);
    this.#renewSpare();
  }

  stop() {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#dropSpare();
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
  }

  /** @param {RTCIceServer[]} servers */
  setIceServers(servers) {
    this.#iceServers = servers;
    this.#renewSpare();
  }

  /** Closes every peer connection but keeps running (a fresh join follows). */
  closeAll() {
    this.#renewSpare();
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
    this.#early.clear();
    this.#samples.clear();
  }

  /**
   * Sends a data message on the peers' data channels.
   * @param {Uint8Array} bytes a channel message (data.js toChannelMessage)
   * @param {boolean} reliable
   * @param {string[] | undefined} identities undefined: everyone we know
   * @returns {{ reached: number, rest: string[] }} how many got it, and the identities it could not
   *   reach that way (channel not open, or unknown)
   */
  sendData(bytes, reliable, identities) {
    const targets = identities ?? [...this.#room.remoteParticipants.keys()];
    /** @type {string[]} */
    const rest = [];
    let reached = 0;
    for (const identity of targets) {
      const p = this.#room.getParticipantByIdentity(identity);
      const peer = p && !p.isLocal ? this.#peers.get(p.sid) : undefined;
      if (peer?.sendData(bytes, reliable)) reached++;
      else rest.push(identity);
    }
    return { reached, rest };
  }

  /** @returns {RTCConfiguration} */
  #rtcConfig() {
    const extra = this.#options.rtcConfig ?? {};
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
   * @param {import('./RemoteParticipant.js').RemoteParticipant} p
   * @param {boolean} initiator true when p joined after us: we offer first
   */
  ensurePeer(p, initiator = false) {
    let peer = this.#peers.get(p.sid);
    if (peer) return peer;
    const polite = this.#local.sid > p.sid;
    /** @type {(type: 'offer' | 'answer' | 'candidate', fields: Record<string, unknown>) => void} */
    const send = (type, fields) => this.#signal.send(type, { to: p.sid, ...fields });
    const spare = initiator ? this.#takeSpare() : undefined;
    spare?.assign({ polite, send });
    const created = spare ?? new PeerConnection({ polite, initiator, rtcConfig: this.#rtcConfig(), send });
    peer = created;
    this.#peers.set(p.sid, peer);
    p._peer = peer;
    peer.on('track', (mst, trackSid, receiver) => this.#onTrack(p, mst, trackSid, receiver));
    peer.on('state', (state) => this.#room.emit(RoomEvent.PeerConnectionStateChanged, p, state));
    peer.on('data', (bytes) => {
      const msg = fromChannelMessage(bytes);
      if (msg && this.#peers.get(p.sid) === created) this.#room.emit(RoomEvent.DataReceived, msg.payload, p, msg.topic);
    });
    for (const pub of this.#local.trackPublications.values()) peer.addPublication(pub);
    return peer;
  }

  /** @param {import('./RemoteParticipant.js').RemoteParticipant} p */
  closePeer(p) {
    this.#peers.get(p.sid)?.close();
    this.#peers.delete(p.sid);
    this.#samples.delete(p.sid);
    this.#setSpeakers(this.speakers.filter((s) => s !== p));
  }

  /** @param {import('./TrackPublication.js').LocalTrackPublication} pub */
  addPublication(pub) {
    for (const peer of this.#peers.values()) peer.addPublication(pub);
    this.#renewSpare();
  }
  /** @param {string} trackSid */
  removePublication(trackSid) {
    for (const peer of this.#peers.values()) peer.removePublication(trackSid);
    this.#renewSpare();
  }
  /** @param {import('./TrackPublication.js').LocalTrackPublication} pub */
  async replaceTrack(pub) {
    this.#renewSpare();
    await Promise.all([...this.#peers.values()].map((peer) => peer.replaceTrack(pub)));
  }

  /** The publications a new peer connection carries, as a key. */
  #publicationKey() {
    return [...this.#local.trackPublications.values()].map((pub) => `${pub.trackSid}:${pub.track.mediaStreamTrack?.id}`).sort().join(',');
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
      const peer = new PeerConnection({ initiator: true, rtcConfig: this.#rtcConfig() });
      for (const pub of this.#local.trackPublications.values()) peer.addPublication(pub);
      this.#spare = { peer, key };
      this.#spareTimer = setTimeout(() => this.#renewSpare(), SPARE_MAX_AGE_MS);
    };
    this.#spareTimer = setTimeout(make, 0);
  }

  /** @param {any} f offer, answer or candidate */
  handleSignal(f) {
    const p = this.#room._remoteBySid(f.from);
    if (!p) return; // from someone who already left
    this.ensurePeer(p).handle(f);
  }

  /**
   * Makes a participant's publications match the server's list.
   * @param {import('./RemoteParticipant.js').RemoteParticipant} p
   * @param {any[]} tracks TrackInfo[]
   */
  syncPublications(p, tracks) {
    const keep = new Set(tracks.map((t) => t.sid));
    for (const sid of [...p._publications.keys()]) if (!keep.has(sid)) this.removeRemotePublication(p, sid);
    for (const t of tracks) {
      const pub = p._publications.get(t.sid);
      if (!pub) this.addRemotePublication(p, t);
      else if (pub.isMuted !== !!t.muted) {
        pub._setMuted(!!t.muted);
        this.#room.emit(t.muted ? RoomEvent.TrackMuted : RoomEvent.TrackUnmuted, pub, p);
      }
    }
  }

  /**
   * @param {import('./RemoteParticipant.js').RemoteParticipant} p
   * @param {any} info TrackInfo
   */
  addRemotePublication(p, info) {
    if (p._publications.has(info.sid)) return;
    const pub = new RemoteTrackPublication(info);
    p._publications.set(pub.trackSid, pub);
    this.#room.emit(RoomEvent.TrackPublished, pub, p);
    const early = this.#early.get(info.sid);
    if (early) {
      this.#early.delete(info.sid);
      this.#subscribe(p, pub, early.mst, early.receiver);
    }
  }

  /**
   * @param {import('./RemoteParticipant.js').RemoteParticipant} p
   * @param {string} trackSid
   */
  removeRemotePublication(p, trackSid) {
    const pub = /** @type {RemoteTrackPublication | undefined} */ (p._publications.get(trackSid));
    if (!pub) return;
    p._publications.delete(trackSid);
    this.#early.delete(trackSid);
    const track = pub.track;
    if (track) {
      pub._setTrack(undefined);
      this.#room.emit(RoomEvent.TrackUnsubscribed, track, pub, p);
      track.detach();
    }
    this.#room.emit(RoomEvent.TrackUnpublished, pub, p);
  }

  /**
   * @param {import('./RemoteParticipant.js').RemoteParticipant} p
   * @param {MediaStreamTrack} mst
   * @param {string} trackSid
   * @param {RTCRtpReceiver} receiver
   */
  #onTrack(p, mst, trackSid, receiver) {
    const pub = /** @type {RemoteTrackPublication | undefined} */ (p._publications.get(trackSid));
    if (!pub) { this.#early.set(trackSid, { mst, receiver }); return; }
    this.#subscribe(p, pub, mst, receiver);
  }

  /**
   * @param {import('./RemoteParticipant.js').RemoteParticipant} p
   * @param {RemoteTrackPublication} pub
   * @param {MediaStreamTrack} mst
   * @param {RTCRtpReceiver} receiver
   */
  #subscribe(p, pub, mst, receiver) {
    if (pub.track?.mediaStreamTrack === mst) return;
    const track = new RemoteTrack(mst, pub.source, receiver);
    pub._setTrack(track);
    this.#room.emit(RoomEvent.TrackSubscribed, track, pub, p);
  }

  async #sample() {
    const threshold = this.#options.speakingThreshold ?? 0.02;
    const now = performance.now();
    /** @type {{ p: import('./Participant.js').Participant, level: number }[]} */
    const levels = [];
    let localLevel = 0;
    await Promise.all([...this.#peers.entries()].map(async ([sid, peer]) => {
      const p = this.#room._remoteBySid(sid);
      // Not while connecting (getStats competes with ICE and DTLS), nor while the first frames start.
      if (!p || peer.pc.connectionState !== 'connected' || peer.connectedFor < STATS_SETTLE_MS) return;
      const report = await peer.pc.getStats();
      const s = this.#samples.get(sid) ?? { lastLoud: 0 };
      const { stats, totals } = summarize(report, s.stats, s.totals);
      s.stats = stats;
      s.totals = totals;
      p._setStats(stats);
      const energy = audioEnergy(report, 'inbound-rtp');
      levels.push({ p, level: levelBetween(s.energy, energy) });
      s.energy = energy;
      this.#samples.set(sid, s);
      const mine = audioEnergy(report, 'media-source');
      const local = this.#samples.get('') ?? { lastLoud: 0 };
      if (mine.duration > (local.energy?.duration ?? 0)) {
        localLevel = Math.max(localLevel, levelBetween(local.energy, mine));
        local.energy = mine;
        this.#samples.set('', local);
      }
    }));
    const mic = this.#local.getTrackPublication('microphone');
    levels.push({ p: this.#local, level: mic && !mic.isMuted ? localLevel : 0 });
    /** @type {{ p: import('./Participant.js').Participant, level: number }[]} */
    const speaking = [];
    for (const { p, level } of levels) {
      const s = this.#samples.get(p.isLocal ? '' : p.sid) ?? { lastLoud: 0 };
      if (level > threshold) s.lastLoud = now;
      const isSpeaking = now - s.lastLoud < SPEAKING_HOLD_MS && s.lastLoud > 0;
      p._setSpeaking(isSpeaking, level);
      if (isSpeaking) speaking.push({ p, level });
    }
    speaking.sort((a, b) => b.level - a.level);
    const next = speaking.map((x) => x.p);
    const same = next.length === this.speakers.length && next.every((p) => this.speakers.includes(p));
    if (!same) this.#setSpeakers(next);
  }

  /** @param {import('./Participant.js').Participant[]} speakers */
  #setSpeakers(speakers) {
    this.speakers = speakers;
    this.#room.emit(RoomEvent.ActiveSpeakersChanged, speakers);
  }
}

/**
 * Mean audio level between two energy samples (root of mean power).
 * @param {{ energy: number, duration: number } | undefined} before
 * @param {{ energy: number, duration: number }} after
 */
function levelBetween(before, after) {
  if (!before) return 0;
  const d = after.duration - before.duration;
  return d > 0 ? Math.sqrt(Math.max(0, after.energy - before.energy) / d) : 0;
}
