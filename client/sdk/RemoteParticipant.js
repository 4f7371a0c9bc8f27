// @ts-check
import { Participant } from './Participant.js';

/** Another person in the room. */
export class RemoteParticipant extends Participant {
  /** @type {import('./stats.js').ConnectionStats | undefined} */
  #stats;
  /** @type {import('./PeerConnection.js').PeerConnection | undefined} */
  _peer;

  /**
   * How the media path to this person is doing: direct or relayed (and over what), round-trip
   * time, bitrate and loss. Refreshed about once a second; undefined until first measured.
   */
  get connectionStats() { return this.#stats; }

  /** State of the peer connection to this person (`new`, `connecting`, `connected`, `failed`…). */
  get connectionState() { return this._peer?.pc.connectionState ?? 'new'; }

  /** @returns {Map<string, import('./TrackPublication.js').RemoteTrackPublication>} */
  get trackPublications() { return /** @type {any} */ (super.trackPublications); }

  /** Full WebRTC statistics of the connection to this person. */
  async getStats() { return this._peer ? this._peer.pc.getStats() : null; }

  /** @param {import('./stats.js').ConnectionStats} stats @internal */
  _setStats(stats) { this.#stats = stats; }
}
