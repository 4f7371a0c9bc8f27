// @ts-check
import { Participant } from './Participant.js';

/** Another person in the room. */
export class RemoteParticipant extends Participant {
  /** @type {import('./stats.js').ConnectionStats | undefined} */
  #stats;
  /** @type {RTCPeerConnectionState} */
  #connectionState = 'new';
  /** @type {Pick<import('./engine/MediaEngine.js').MediaEngine, 'getStats'>} */
  #engine;

  /**
   * @param {any} info ParticipantInfo
   * @param {Pick<import('./engine/MediaEngine.js').MediaEngine, 'getStats'>} engine the Room's media engine (for getStats)
   */
  constructor(info, engine) {
    super(info);
    this.#engine = engine;
  }

  /**
   * How the media path to this person is doing: direct or relayed (and over what), round-trip
   * time, bitrate and loss. Refreshed about once a second; undefined until first measured.
   */
  get connectionStats() { return this.#stats; }

  /** State of the media connection to this person (`new`, `connecting`, `connected`, `failed`…). */
  get connectionState() { return this.#connectionState; }

  /** @returns {Map<string, import('./TrackPublication.js').RemoteTrackPublication>} */
  get trackPublications() { return /** @type {any} */ (super.trackPublications); }

  /** Full WebRTC statistics of the connection to this person. */
  async getStats() { return this.#engine.getStats(this.sid); }

  /** @param {import('./stats.js').ConnectionStats} stats @internal */
  _setStats(stats) { this.#stats = stats; }
  /** @param {RTCPeerConnectionState} state @internal */
  _setConnectionState(state) { this.#connectionState = state; }
}
