// @ts-check
import { RoomEvent, TrackSource } from './events.js';
import { SpeakerDetector } from './speakers.js';
import { mediaPathOf } from './stats.js';

/** @typedef {import('./engine/MediaEngine.js').EngineSample} EngineSample */
/** @typedef {import('./Participant.js').Participant} Participant */

/**
 * Part of the Room: what the engine's measurement rounds say of the people here — each one's connection stats, the
 * media path reported to the server when it changes, speaking levels and the active speakers (loudest first). It
 * reaches the Room only through its public and `_` members, like the other parts.
 */
export class RoomSamples {
  #room;
  /** @type {Participant[]} loudest first */
  speakers = [];
  /** @type {SpeakerDetector<Participant>} */
  #detector;
  /** @type {Map<string, string>} the media path last reported to the server, by participant sid */
  #paths = new Map();

  /**
   * @param {import('./Room.js').Room} room
   * @param {number} threshold audio level (0–1) above which someone counts as speaking
   */
  constructor(room, threshold) {
    this.#room = room;
    this.#detector = new SpeakerDetector(threshold);
  }

  /**
   * Connection stats, audio levels and who is speaking, from one round of the engine's measurements.
   * @param {EngineSample} sample
   */
  sampled(sample) {
    const room = this.#room;
    const local = room.localParticipant;
    if (!local) return;
    for (const [sid, stats] of sample.stats) {
      room._remote(sid)?._setStats(stats);
      this.#reportPath(sid, stats);
    }
    /** @type {{ p: Participant, level: number }[]} */
    const levels = [];
    for (const [sid, level] of sample.levels) {
      const p = room._remote(sid);
      if (p) levels.push({ p, level });
    }
    const mic = local.getTrackPublication(TrackSource.Microphone);
    levels.push({ p: local, level: mic && !mic.isMuted ? sample.localLevel : 0 });
    const { states, speakers } = this.#detector.judge(levels, performance.now());
    for (const { p, level, speaking } of states) p._setSpeaking(speaking, level);
    const same = speakers.length === this.speakers.length && speakers.every((p) => this.speakers.includes(p));
    if (!same) this.#setSpeakers(speakers);
  }

  /** Someone left: no longer a speaker (the room hears `activeSpeakersChanged`). @param {Participant} p */
  forget(p) {
    this.#detector.forget(p);
    this.#setSpeakers(this.speakers.filter((s) => s !== p));
  }

  /** Every connection started over: nobody's loudness is remembered. */
  clear() { this.#detector.clear(); }

  /** @param {Participant[]} speakers */
  #setSpeakers(speakers) {
    this.speakers = speakers;
    this.#room.emit(RoomEvent.ActiveSpeakersChanged, speakers);
  }

  /**
   * Tells the server the path our media takes to one participant when it is first known and whenever it changes,
   * so the operator sees who is relayed, and over what (log and metrics; nobody else is told).
   * @param {string} sid @param {import('./stats.js').ConnectionStats} stats
   */
  #reportPath(sid, stats) {
    const room = this.#room;
    const path = mediaPathOf(stats);
    if (!path || this.#paths.get(sid) === path || !room._remote(sid)) return;
    for (const known of this.#paths.keys()) if (!room._remote(known)) this.#paths.delete(known);
    this.#paths.set(sid, path);
    room._send('mediaPath', { to: sid, path });
  }
}
