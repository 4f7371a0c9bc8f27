// @ts-check

/**
 * A participant's announced track: what it is (sid, kind, source, name) and whether it is muted,
 * with the media `track` once there is one.
 */
export class TrackPublication {
  #sid;
  #kind;
  #source;
  #name;
  #muted;
  /** @type {import('./Track.js').Track | undefined} */
  #track;

  /** @param {{ sid: string, kind: string, source: string, name?: string, muted?: boolean }} info */
  constructor(info) {
    this.#sid = info.sid;
    this.#kind = info.kind;
    this.#source = info.source;
    this.#name = info.name ?? info.source;
    this.#muted = !!info.muted;
  }

  get trackSid() { return this.#sid; }
  /** `audio` or `video`. */
  get kind() { return this.#kind; }
  get source() { return this.#source; }
  get trackName() { return this.#name; }
  get isMuted() { return this.#muted; }
  /** The media, when subscribed (remote) or published (local). */
  get track() { return this.#track; }
  get isSubscribed() { return !!this.#track; }

  /** @param {boolean} muted @internal */
  _setMuted(muted) { this.#muted = muted; }
  /** @param {import('./Track.js').Track | undefined} track @internal */
  _setTrack(track) { this.#track = track; }
  /** @param {string} sid @internal */
  _setSid(sid) { this.#sid = sid; }
}

/** One of our own published tracks. */
export class LocalTrackPublication extends TrackPublication {
  /** @type {MediaStream} */
  #stream;

  /**
   * @param {{ sid: string, kind: string, source: string, name?: string, muted?: boolean }} info
   * @param {import('./Track.js').LocalTrack} track
   * @param {MediaStream} stream
   */
  constructor(info, track, stream) {
    super(info);
    this._setTrack(track);
    this.#stream = stream;
  }

  /** The stream whose id goes into the SDP's msid (rewritten to our track sid). @internal */
  get _stream() { return this.#stream; }

  /** @returns {import('./Track.js').LocalTrack} */
  get track() { return /** @type {any} */ (super.track); }
}

/** A track another participant published. */
export class RemoteTrackPublication extends TrackPublication {
  /** @returns {import('./Track.js').RemoteTrack | undefined} */
  get track() { return /** @type {any} */ (super.track); }
}
