// @ts-check
import { MeshEngine } from './MeshEngine.js';
import { SfuEngine } from './SfuEngine.js';
import { mediaFlowing } from './mediaFlowing.js';

/** @typedef {import('./MediaEngine.js').MediaEngine} MediaEngine */
/** @typedef {import('./MediaEngine.js').EngineHost} EngineHost */
/** @typedef {import('./MediaEngine.js').EngineInit} EngineInit */
/** @typedef {import('./MediaEngine.js').LocalMedia} LocalMedia */
/** @typedef {import('./MediaEngine.js').EngineSample} EngineSample */

/** How often a track from the new engine is looked at until it delivers (decoded video, received audio). */
const READY_POLL_MS = 100;
/** A move takes no longer: tracks the new engine has not delivered by then are swapped (or ended) as they are. */
const SWITCH_TIMEOUT_MS = 8000;
/**
 * The old engine keeps sending our media this long after the new one delivers everyone's: the others are moving too,
 * and may still be waiting for our media through their new connections.
 */
const LINGER_MS = 2000;

/**
 * One engine and what the move knows of it.
 * @typedef {Object} Slot
 * @property {MediaEngine} engine
 * @property {string} topology `mesh` or `sfu`
 * @property {boolean} live its reports are taken (false once it is replaced, while it lingers, and after it closes)
 * @property {boolean} closed
 * @property {Map<string, RTCPeerConnectionState>} states its last connection state per participant sid
 * @property {Map<string, { sid: string, track: MediaStreamTrack, receiver: RTCRtpReceiver | null, timer?: ReturnType<typeof setTimeout> }>} pending
 *   by track sid: tracks it delivered that wait to be swapped in until media flows through them
 */

/**
 * The Room's default engine: a MeshEngine or an SfuEngine, as the server's topology says, and the move between them
 * when it changes (`--topology auto`, docs/protocol.md "Moving between mesh and SFU"). The move is make-before-break:
 * the new engine starts beside the old with our tracks; the old one's remote media stays on screen until the new one
 * delivers each track with media flowing (a decoded frame, received audio), and then the Room swaps the browser track
 * under the same RemoteTrack (`trackSwapped`: no trackUnsubscribed/trackSubscribed); once every track has moved,
 * the old engine lingers {@link LINGER_MS} and closes. Until a participant's tracks have all moved, their
 * connection state, statistics and audio level come from the old engine. The app sees none of it.
 * @implements {MediaEngine}
 */
export class EngineSwitch {
  /** @type {EngineHost | undefined} */
  #host;
  /** @type {EngineInit | undefined} */
  #init;
  /** The server's topology now. */
  #topology = 'mesh';
  /** @type {Slot | undefined} */
  #current;
  /** @type {Slot | undefined} the engine being moved to */
  #next;
  /** @type {Set<Slot>} old engines still sending for a moment */
  #lingering = new Set();
  /** @type {Map<string, { joinedAfterUs: boolean, permissions?: { canSubscribe?: boolean } }>} by sid */
  #people = new Map();
  /** @type {Map<string, LocalMedia>} our publications (our copies) by track sid */
  #published = new Map();
  /** @type {Map<string, HTMLMediaElement[]>} where the app shows each remote video, by track sid */
  #elements = new Map();
  /** @type {Map<string, { sid: string, slot: Slot }>} by track sid: whose media the Room has now */
  #shown = new Map();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #switchTimer;
  #switchStarted = 0;
  #make;
  /** @type {Record<string, number>} by track sid: when each was swapped, in ms since the move began */
  #swapped = {};
  /** @type {{ to: string, at: number, ms: number, timedOut: boolean, swapped: Record<string, number> }[]} the moves so far (diagnostics; `at` is performance.now) */
  moves = [];

  /** @param {(topology: string) => MediaEngine} [make] makes the engine for a topology (tests) */
  constructor(make) {
    this.#make = make ?? ((t) => (t === 'sfu' ? new SfuEngine() : new MeshEngine()));
  }

  /** @param {EngineHost} host @param {EngineInit} init */
  start(host, init) {
    this.#host = host;
    this.#init = init;
    this.#topology = init.topology === 'sfu' ? 'sfu' : 'mesh';
    this.#current = this.#open(this.#topology);
  }

  /** A fresh join: everything starts over, on the topology its `join` says. @param {EngineInit} init */
  restart(init) {
    this.#init = init;
    this.#finishMove(true);
    this.#shown.clear();
    this.#published.clear();
    const topology = init.topology === 'sfu' ? 'sfu' : init.topology === 'mesh' ? 'mesh' : this.#topology;
    const current = /** @type {Slot} */ (this.#current);
    if (topology === current.topology) { current.states.clear(); current.engine.restart(init); return; }
    this.#topology = topology;
    this.#retire(current, 0);
    this.#current = this.#open(topology);
  }

  /** @param {RTCIceServer[] | undefined} iceServers */
  resume(iceServers) {
    if (iceServers && this.#init) this.#init = { ...this.#init, iceServers };
    for (const slot of this.#slots()) slot.engine.resume(iceServers);
  }

  /**
   * The server moved the room's media (a `topology` frame, or `resumed` saying another one).
   * @param {string} topology
   */
  topologyChanged(topology) {
    if ((topology !== 'mesh' && topology !== 'sfu') || !this.#current || topology === this.#topology) return;
    this.#topology = topology;
    // Moving back before a move finished: it finishes at once (what has not moved ends), then the new move starts.
    if (this.#next) this.#finishMove(true);
    const current = /** @type {Slot} */ (this.#current);
    if (current.topology === topology) return;
    // An SFU engine on its way out tells the server nothing more (the server refuses SFU frames in a mesh room).
    if (current.topology === 'sfu') for (const trackSid of this.#elements.keys()) current.engine.videoElements?.(trackSid, []);
    this.#switchStarted = performance.now();
    this.#swapped = {};
    this.#next = this.#open(topology);
    this.#switchTimer = setTimeout(() => this.#finishMove(true), SWITCH_TIMEOUT_MS);
  }

  /** Everything closes at once, with nothing more reported (a move under way just stops). */
  close() {
    clearTimeout(this.#switchTimer);
    for (const slot of [...this.#slots(), ...this.#lingering]) this.#closeSlot(slot);
    this.#next = undefined;
  }

  /** @param {string} sid @param {boolean} joinedAfterUs @param {{ canSubscribe?: boolean }} [permissions] */
  participantJoined(sid, joinedAfterUs, permissions) {
    this.#people.set(sid, { joinedAfterUs, permissions });
    for (const slot of this.#slots()) slot.engine.participantJoined(sid, joinedAfterUs, permissions);
  }

  /** @param {string} sid */
  participantLeft(sid) {
    this.#people.delete(sid);
    for (const slot of this.#slots()) {
      slot.engine.participantLeft(sid);
      slot.states.delete(sid);
      for (const [trackSid, p] of slot.pending) if (p.sid === sid) this.#unpend(slot, trackSid);
    }
    for (const [trackSid, shown] of this.#shown) if (shown.sid === sid) this.#shown.delete(trackSid);
    this.#checkMoved();
  }

  /** Mesh frames go to the mesh engine, old or new. @param {any} frame */
  signal(frame) {
    this.#slotOf('mesh')?.engine.signal(frame);
  }

  /** Protocol-2 frames go to the SFU engine, old or new. @param {any} frame */
  serverFrame(frame) {
    this.#slotOf('sfu')?.engine.serverFrame?.(frame);
  }

  /** @param {LocalMedia} media */
  publicationAdded(media) {
    this.#published.set(media.trackSid, { ...media });
    for (const slot of this.#talking()) slot.engine.publicationAdded({ ...media });
  }

  /** @param {string} trackSid */
  publicationRemoved(trackSid) {
    this.#published.delete(trackSid);
    for (const slot of this.#talking()) slot.engine.publicationRemoved(trackSid);
  }

  /** @param {string} trackSid @param {MediaStreamTrack | null} track */
  async publicationReplaced(trackSid, track) {
    const mine = this.#published.get(trackSid);
    if (mine) mine.track = track;
    await Promise.all([...this.#slots(), ...this.#lingering].map((slot) => slot.engine.publicationReplaced(trackSid, track)));
  }

  /** @param {string} trackSid @param {boolean} muted */
  publicationMuted(trackSid, muted) {
    const mine = this.#published.get(trackSid);
    if (mine) mine.muted = muted;
    for (const slot of [...this.#slots(), ...this.#lingering]) slot.engine.publicationMuted(trackSid, muted);
  }

  /** Straight to them over whichever engine can (the old one's data channels while moving). @param {string} sid @param {Uint8Array} bytes @param {boolean} reliable */
  sendData(sid, bytes, reliable) {
    for (const slot of this.#slots()) if (slot.engine.sendData(sid, bytes, reliable)) return true;
    return false;
  }

  /** @param {string} sid */
  getStats(sid) {
    return this.#owner(sid)?.engine.getStats(sid) ?? Promise.resolve(null);
  }

  /** @param {string} trackSid @param {HTMLMediaElement[]} elements */
  videoElements(trackSid, elements) {
    if (elements.length) this.#elements.set(trackSid, elements);
    else this.#elements.delete(trackSid);
    for (const slot of this.#talking()) slot.engine.videoElements?.(trackSid, elements);
  }

  describe() {
    const current = this.#current;
    return {
      ...current?.engine.describe(), topology: current?.topology, moving: this.#next?.topology ?? null,
      moves: this.moves.map((m) => ({ ...m })), next: this.#next?.engine.describe() ?? null,
    };
  }

  // The move.

  /** @param {string} topology @returns {Slot} */
  #open(topology) {
    /** @type {Slot} */
    const slot = { engine: this.#make(topology), topology, live: true, closed: false, states: new Map(), pending: new Map() };
    slot.engine.start(this.#hostFor(slot), /** @type {EngineInit} */ (this.#init));
    // Our tracks first, so a new mesh connection offers them at once; then everyone.
    for (const media of this.#published.values()) slot.engine.publicationAdded({ ...media });
    for (const [sid, p] of this.#people) slot.engine.participantJoined(sid, p.joinedAfterUs, p.permissions);
    return slot;
  }

  /** @param {Slot} slot @returns {EngineHost} */
  #hostFor(slot) {
    const host = /** @type {EngineHost} */ (this.#host);
    return {
      sendSignal: (type, fields) => { if (slot.live) host.sendSignal(type, fields); },
      trackArrived: (sid, trackSid, track, receiver) => { if (slot.live) this.#arrived(slot, sid, trackSid, track, receiver); },
      trackEnded: (sid, trackSid) => { if (slot.live) this.#ended(slot, sid, trackSid); },
      trackSwapped: () => {},
      connectionStateChanged: (sid, state) => {
        if (!slot.live) return;
        slot.states.set(sid, state);
        // While moving, the old connections closing (the others moved already) and the new ones coming up are not news.
        if (!this.#next) host.connectionStateChanged(sid, state);
        else this.#checkMoved();
      },
      // Data from a lingering engine still counts: the sender may not have moved yet (it sends each message one way).
      dataReceived: (sid, bytes) => { if (!slot.closed) host.dataReceived(sid, bytes); },
      sampled: (sample) => { if (slot.live) host.sampled(this.#ownSample(slot, sample)); },
    };
  }

  /**
   * @param {Slot} slot @param {string} sid @param {string} trackSid
   * @param {MediaStreamTrack} track @param {RTCRtpReceiver | null} receiver
   */
  #arrived(slot, sid, trackSid, track, receiver) {
    const host = /** @type {EngineHost} */ (this.#host);
    const shown = this.#shown.get(trackSid);
    if (slot === this.#next && shown && shown.slot !== slot) {
      // The Room shows the old engine's media for it: swap once the new track delivers.
      this.#unpend(slot, trackSid);
      slot.pending.set(trackSid, { sid, track, receiver });
      this.#whenFlowing(slot, trackSid, track, receiver, () => {
        this.#unpend(slot, trackSid);
        this.#shown.set(trackSid, { sid, slot });
        host.trackSwapped(sid, trackSid, track, receiver);
        this.#swapped[trackSid] = Math.round(performance.now() - this.#switchStarted);
        const els = this.#elements.get(trackSid);
        if (els) slot.engine.videoElements?.(trackSid, els);
        this.#checkMoved();
      });
      return;
    }
    if (slot !== this.#next && this.#next && shown?.slot === this.#next) return; // moved already
    this.#shown.set(trackSid, { sid, slot });
    host.trackArrived(sid, trackSid, track, receiver);
    this.#checkMoved();
  }

  /** @param {Slot} slot @param {string} sid @param {string} trackSid */
  #ended(slot, sid, trackSid) {
    this.#unpend(slot, trackSid);
    if (this.#shown.get(trackSid)?.slot !== slot) return;
    // The old engine's media stopping while moving (the other side moved first) stays on screen until the new arrives.
    if (this.#next && slot === this.#current) return;
    this.#shown.delete(trackSid);
    /** @type {EngineHost} */ (this.#host).trackEnded(sid, trackSid);
  }

  /**
   * Calls `then` once media flows through a new track (a decoded video frame, received audio), or when the move times out.
   * @param {Slot} slot @param {string} trackSid @param {MediaStreamTrack} track @param {RTCRtpReceiver | null} receiver @param {() => void} then
   */
  #whenFlowing(slot, trackSid, track, receiver, then) {
    const look = async () => {
      const mine = () => slot.live && slot.pending.get(trackSid)?.track === track;
      if (!mine()) return;
      const flowing = await mediaFlowing(track, receiver);
      if (!mine()) return;
      if (flowing) then();
      else /** @type {{ timer?: any }} */ (slot.pending.get(trackSid)).timer = setTimeout(look, READY_POLL_MS);
    };
    look();
  }

  /** @param {Slot} slot @param {string} trackSid */
  #unpend(slot, trackSid) {
    clearTimeout(slot.pending.get(trackSid)?.timer);
    slot.pending.delete(trackSid);
  }

  /** The move is over when no track is shown from the old engine and the new one is connected to everyone. */
  #checkMoved() {
    const next = this.#next;
    if (!next) return;
    for (const shown of this.#shown.values()) if (shown.slot !== next) return;
    for (const sid of this.#people.keys()) if (next.states.get(sid) !== 'connected') return;
    this.#finishMove(false);
  }

  /**
   * Ends the move: the new engine is the engine. Timed out (or cut short), tracks still waiting are swapped in as
   * they are, and those the new engine never delivered end.
   * @param {boolean} timedOut
   */
  #finishMove(timedOut) {
    const next = this.#next, old = this.#current, host = this.#host;
    clearTimeout(this.#switchTimer);
    if (!next || !old || !host) return;
    this.#next = undefined;
    this.#current = next;
    for (const [trackSid, p] of [...next.pending]) {
      this.#unpend(next, trackSid);
      this.#shown.set(trackSid, { sid: p.sid, slot: next });
      host.trackSwapped(p.sid, trackSid, p.track, p.receiver);
    }
    for (const [trackSid, shown] of [...this.#shown]) {
      if (shown.slot === next) continue;
      this.#shown.delete(trackSid);
      host.trackEnded(shown.sid, trackSid);
    }
    for (const [sid, state] of next.states) if (this.#people.has(sid)) host.connectionStateChanged(sid, state);
    this.moves.push({ to: next.topology, at: Math.round(this.#switchStarted), ms: Math.round(performance.now() - this.#switchStarted), timedOut, swapped: this.#swapped });
    this.#retire(old, timedOut ? 0 : LINGER_MS);
  }

  /** @param {Slot} slot @param {number} afterMs */
  #retire(slot, afterMs) {
    slot.live = false;
    for (const trackSid of [...slot.pending.keys()]) this.#unpend(slot, trackSid);
    if (afterMs <= 0) { this.#closeSlot(slot); return; }
    this.#lingering.add(slot);
    setTimeout(() => this.#closeSlot(slot), afterMs);
  }

  /** @param {Slot} slot */
  #closeSlot(slot) {
    this.#lingering.delete(slot);
    if (slot.closed) return;
    slot.live = false;
    slot.closed = true;
    slot.engine.close();
  }

  // Who answers what.

  /** The engine in use and the one being moved to. */
  #slots() {
    return /** @type {Slot[]} */ ([this.#current, this.#next].filter(Boolean));
  }

  /** The engines that may still talk to the server about our tracks: not an SFU engine in a room now in mesh. */
  #talking() {
    return this.#slots().filter((slot) => slot.topology === this.#topology || slot.topology === 'mesh');
  }

  /** @param {string} topology */
  #slotOf(topology) {
    return this.#slots().find((slot) => slot.topology === topology);
  }

  /** While moving, a participant belongs to the old engine until none of their tracks is shown from it. @param {string} sid */
  #owner(sid) {
    const next = this.#next;
    if (!next) return this.#current;
    for (const shown of this.#shown.values()) if (shown.sid === sid && shown.slot !== next) return this.#current;
    return next;
  }

  /** An engine's measurements, kept to the participants it answers for now. @param {Slot} slot @param {EngineSample} sample */
  #ownSample(slot, sample) {
    if (!this.#next) return sample;
    /** @type {EngineSample} */
    const out = { stats: new Map(), levels: new Map(), localLevel: slot === this.#current ? sample.localLevel : 0 };
    for (const [sid, stats] of sample.stats) if (this.#owner(sid) === slot) out.stats.set(sid, stats);
    for (const [sid, level] of sample.levels) if (this.#owner(sid) === slot) out.levels.set(sid, level);
    return out;
  }
}
