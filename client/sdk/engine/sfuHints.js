// @ts-check

/**
 * What Confer's SFU tells a participant about the media on its own (docs/protocol.md, "Active speakers and
 * dynacast"), kept for the SfuEngine:
 * - `speakersChanged`: who the server hears speaking (RFC 6464 audio levels of every publisher), loudest
 *   first. Once it has spoken, its list is the remote levels the engine reports: everyone else is quiet.
 * - `publishedLayers`: which simulcast layers of one of our cameras anyone watches. The others are turned
 *   off at our encoder (`RTCRtpEncodingParameters.active`), so we neither encode nor upload them.
 */
export class SfuHints {
  /** @type {Map<string, number> | null} by participant sid, 0–1; null until the server has spoken */
  #levels = null;
  /** @type {Map<string, Record<string, boolean>>} by track sid: the layers the server last asked for, by rid */
  #layers = new Map();
  /** setParameters calls run one at a time: each reads the parameters the previous one set */
  #chain = Promise.resolve();
  layerUpdates = 0;

  /**
   * @param {any} frame a `speakersChanged` frame
   */
  speakers(frame) {
    if (!Array.isArray(frame.speakers)) return;
    this.#levels = new Map(frame.speakers
      .filter((/** @type {any} */ s) => typeof s?.sid === 'string')
      .map((/** @type {any} */ s) => [s.sid, Math.min(Math.max(Number(s.level) || 0, 0), 1)]));
  }

  /**
   * The level to report for a remote participant: the server's once it has said who speaks, else the one
   * measured here.
   * @param {string} sid
   * @param {number} measured
   */
  level(sid, measured) {
    return this.#levels ? (this.#levels.get(sid) ?? 0) : measured;
  }

  /**
   * Applies a `publishedLayers` frame to the sender of that track (if it is ours and has encodings).
   * @param {any} frame
   * @param {(trackSid: string) => RTCRtpSender | undefined} senderOf
   * @returns {Promise<void>}
   */
  layers(frame, senderOf) {
    if (typeof frame.trackSid !== 'string' || !Array.isArray(frame.layers)) return this.#chain;
    /** @type {Record<string, boolean>} */
    const wanted = {};
    for (const l of frame.layers) if (typeof l?.rid === 'string') wanted[l.rid] = l.active !== false;
    this.#layers.set(frame.trackSid, wanted);
    this.#chain = this.#chain.then(async () => {
      const sender = senderOf(frame.trackSid);
      if (!sender) return;
      const params = sender.getParameters();
      let changed = false;
      for (const e of params.encodings ?? []) {
        if (!e.rid || !(e.rid in wanted) || e.active === wanted[e.rid]) continue;
        e.active = wanted[e.rid];
        changed = true;
      }
      if (!changed) return;
      await sender.setParameters(params);
      this.layerUpdates++;
    }).catch((e) => console.warn('confer: could not change the layers sent', e));
    return this.#chain;
  }

  /** The layers the server asked for, by track sid and rid (for describe()). */
  describe() {
    return Object.fromEntries(this.#layers);
  }

  /** Everything starts over (a rejoin): the new server session says it again. */
  clear() {
    this.#levels = null;
    this.#layers.clear();
  }

  /** A track of ours went: its layers are nobody's business any more. @param {string} trackSid */
  forget(trackSid) {
    this.#layers.delete(trackSid);
  }
}
