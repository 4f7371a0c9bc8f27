// @ts-check
import { Emitter } from './Emitter.js';

/**
 * A camera, microphone or screen track, local or remote. Wraps one MediaStreamTrack.
 */
export class Track extends Emitter {
  /** @type {MediaStreamTrack | null} */
  #mediaStreamTrack;
  #kind;
  #source;
  /** @type {Set<HTMLMediaElement>} */
  #elements = new Set();
  /**
   * Told the elements whenever one is attached or detached (the media engine's adaptive stream).
   * @type {((elements: HTMLMediaElement[]) => void) | undefined}
   * @internal
   */
  _onElements;

  /**
   * @param {MediaStreamTrack | null} mediaStreamTrack
   * @param {'audio' | 'video'} kind
   * @param {string} source
   */
  constructor(mediaStreamTrack, kind, source) {
    super();
    this.#mediaStreamTrack = mediaStreamTrack;
    this.#kind = kind;
    this.#source = source;
  }

  /** `audio` or `video`. */
  get kind() { return this.#kind; }
  /** `camera`, `microphone`, `screen_share` or `screen_share_audio`. */
  get source() { return this.#source; }
  /** The browser track (null while a local camera is switched off). */
  get mediaStreamTrack() { return this.#mediaStreamTrack; }
  /** Elements this track is attached to. */
  get attachedElements() { return [...this.#elements]; }

  /**
   * Returns a playing `<video>` (or `<audio>`) element showing this track, or attaches to the
   * element you pass.
   * @param {HTMLMediaElement} [element]
   * @returns {HTMLMediaElement}
   */
  attach(element) {
    const el = element ?? document.createElement(this.#kind === 'video' ? 'video' : 'audio');
    el.autoplay = true;
    if (el instanceof HTMLVideoElement) el.playsInline = true;
    if (this.isLocal && this.#kind === 'audio') el.muted = true; // never play our own microphone
    if (this.isLocal && this.#kind === 'video') el.muted = true;
    el.srcObject = this.#mediaStreamTrack ? new MediaStream([this.#mediaStreamTrack]) : null;
    this.#elements.add(el);
    el.play?.().catch(() => { /* autoplay refused: the app shows a play button */ });
    this._onElements?.([...this.#elements]);
    return el;
  }

  /**
   * Detaches from one element, or from all of them. Returns the detached elements.
   * @param {HTMLMediaElement} [element]
   * @returns {HTMLMediaElement[]}
   */
  detach(element) {
    const els = element ? [element] : [...this.#elements];
    for (const el of els) {
      el.srcObject = null;
      this.#elements.delete(el);
    }
    this._onElements?.([...this.#elements]);
    return els;
  }

  /** True for tracks from this browser. */
  get isLocal() { return false; }

  /**
   * Swaps the underlying browser track and re-points attached elements.
   * @param {MediaStreamTrack | null} track
   * @internal
   */
  _setMediaStreamTrack(track) {
    this.#mediaStreamTrack = track;
    for (const el of this.#elements) el.srcObject = track ? new MediaStream([track]) : null;
    for (const el of this.#elements) el.play?.().catch(() => {});
  }
}

/** A track captured here. */
export class LocalTrack extends Track {
  get isLocal() { return true; }

  /** Stops capturing (the camera light goes off). */
  stop() {
    this.mediaStreamTrack?.stop();
  }
}

/** A track received from another participant. */
export class RemoteTrack extends Track {
  /** @type {RTCRtpReceiver | null} */
  #receiver;

  /**
   * @param {MediaStreamTrack} mediaStreamTrack
   * @param {string} source
   * @param {RTCRtpReceiver | null} receiver
   */
  constructor(mediaStreamTrack, source, receiver) {
    super(mediaStreamTrack, /** @type {'audio'|'video'} */ (mediaStreamTrack.kind), source);
    this.#receiver = receiver;
  }

  /** The WebRTC receiver (for getStats). */
  get receiver() { return this.#receiver; }

  /** @returns {Promise<RTCStatsReport | null>} */
  async getStats() { return this.#receiver ? this.#receiver.getStats() : null; }

  /**
   * The same media now comes through another connection (mesh ↔ SFU): attached elements show the new browser track.
   * @param {MediaStreamTrack} mediaStreamTrack
   * @param {RTCRtpReceiver | null} receiver
   * @internal
   */
  _swap(mediaStreamTrack, receiver) {
    this.#receiver = receiver;
    this._setMediaStreamTrack(mediaStreamTrack);
  }
}
