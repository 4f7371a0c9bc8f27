// @ts-check
/** Speaking state is held this long after the level drops, so highlights do not flicker. */
const SPEAKING_HOLD_MS = 1200;

/**
 * Who is speaking, from audio levels measured about twice a second: whoever was above the
 * threshold within the last SPEAKING_HOLD_MS. Bookkeeping only: the Room applies what it says.
 * @template P
 */
export class SpeakerDetector {
  #threshold;
  /** @type {Map<P, number>} when each was last above the threshold (performance.now) */
  #lastLoud = new Map();

  /** @param {number} threshold audio level (0–1) above which someone counts as speaking */
  constructor(threshold) {
    this.#threshold = threshold;
  }

  /**
   * @param {{ p: P, level: number }[]} levels this round's levels (those not measured are left out)
   * @param {number} now performance.now()
   * @returns {{ states: { p: P, level: number, speaking: boolean }[], speakers: P[] }} each one's
   *   state, and who is speaking, loudest first
   */
  judge(levels, now) {
    const states = levels.map(({ p, level }) => {
      if (level > this.#threshold) this.#lastLoud.set(p, now);
      const lastLoud = this.#lastLoud.get(p) ?? 0;
      return { p, level, speaking: lastLoud > 0 && now - lastLoud < SPEAKING_HOLD_MS };
    });
    const speakers = states.filter((s) => s.speaking).sort((a, b) => b.level - a.level).map((s) => s.p);
    return { states, speakers };
  }

  /** @param {P} p someone who left */
  forget(p) { this.#lastLoud.delete(p); }

  /** Forgets everyone (every connection started over). */
  clear() { this.#lastLoud.clear(); }
}
