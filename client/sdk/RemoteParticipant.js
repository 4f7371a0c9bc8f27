// @ts-check
import { Participant } from './Participant.js';
import { ConferError } from './ConferError.js';

/**
 * Sends a host's frame about someone (docs/protocol.md, "Hosts, the lobby and moderation"); throws when that cannot be.
 * @typedef {(type: string, fields: Record<string, unknown>) => void} Moderate
 */

/** Another person in the room. */
export class RemoteParticipant extends Participant {
  /** @type {import('./stats.js').ConnectionStats | undefined} */
  #stats;
  /** @type {RTCPeerConnectionState} */
  #connectionState = 'new';
  /** @type {Pick<import('./engine/MediaEngine.js').MediaEngine, 'getStats'>} */
  #engine;
  /** @type {Moderate} */
  #moderate;

  /**
   * @param {any} info ParticipantInfo
   * @param {Pick<import('./engine/MediaEngine.js').MediaEngine, 'getStats'>} engine the Room's media engine (for getStats)
   * @param {Moderate} [moderate] the Room's way to send host frames
   */
  constructor(info, engine, moderate) {
    super(info);
    this.#engine = engine;
    this.#moderate = moderate ?? (() => { throw new ConferError('not_connected', 'Not connected to a room.'); });
  }

  // Host actions. The server refuses each unless we are a host (a `serverError` with code `permission_denied`); they
  // reject at once when we are not connected or not a host.

  /**
   * Mutes their microphone (or the track given): their SDK turns it off. Only they can turn it on again.
   * @param {string} [trackSid]
   */
  async mute(trackSid) { this.#moderate('muteParticipant', { identity: this.identity, ...(trackSid ? { trackSid } : {}) }); }

  /**
   * Asks them to unmute their microphone (or turn on the track given); they see a prompt and decide.
   * @param {string} [trackSid]
   */
  async askToUnmute(trackSid) { this.#moderate('askUnmute', { identity: this.identity, ...(trackSid ? { trackSid } : {}) }); }

  /**
   * Stops one of their tracks: a camera is turned off (muted), a screen share ends for everyone.
   * @param {string | import('./TrackPublication.js').TrackPublication} track a track sid or publication
   */
  async stopTrack(track) {
    const trackSid = typeof track === 'string' ? track : track?.trackSid;
    if (!trackSid) throw new ConferError('invalid_argument', 'stopTrack() needs a track sid or publication.');
    this.#moderate('stopTrack', { identity: this.identity, trackSid });
  }

  /** Removes them from the meeting; their link does not let them back in unless a host admits them from the lobby. */
  async remove() { this.#moderate('removeParticipant', { identity: this.identity }); }

  /** Makes them a host too (`hostChanged` follows). */
  async makeHost() { this.#moderate('makeHost', { identity: this.identity }); }

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
