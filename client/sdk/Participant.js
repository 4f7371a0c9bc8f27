// @ts-check
import { Emitter } from './Emitter.js';

/**
 * @typedef {Object} ParticipantPermission
 * @property {boolean} canPublish
 * @property {boolean} canSubscribe
 * @property {boolean} canPublishData
 * @property {string[]} canPublishSources empty: every source
 * @property {boolean} canUpdateMetadata
 * @property {boolean} hidden
 */

/**
 * The server's `permission` object, with the grant's defaults for what it leaves out.
 * @param {Partial<ParticipantPermission> | undefined} p
 * @returns {Readonly<ParticipantPermission>}
 */
function toPermissions(p = {}) {
  return Object.freeze({
    canPublish: p.canPublish ?? true, canSubscribe: p.canSubscribe ?? true, canPublishData: p.canPublishData ?? true,
    canPublishSources: Object.freeze([...(p.canPublishSources ?? [])]), canUpdateMetadata: p.canUpdateMetadata ?? false, hidden: p.hidden ?? false,
  });
}

/**
 * Someone in the room (ourselves or another person). Public state is read-only; the Room
 * changes it.
 */
export class Participant extends Emitter {
  #sid;
  #identity;
  #name;
  #metadata;
  #joinedAt;
  /** @type {Readonly<ParticipantPermission>} */
  #permissions;
  #host = false;
  #speaking = false;
  #audioLevel = 0;
  /** @type {Map<string, import('./TrackPublication.js').TrackPublication>} by track sid */
  #publications = new Map();

  /** @param {{ sid: string, identity: string, name?: string, metadata?: string, joinedAt?: number, permission?: Partial<ParticipantPermission>, host?: boolean }} info */
  constructor(info) {
    super();
    this.#sid = info.sid;
    this.#identity = info.identity;
    this.#name = info.name || info.identity;
    this.#metadata = info.metadata ?? '';
    this.#joinedAt = info.joinedAt ?? Date.now();
    this.#permissions = toPermissions(info.permission);
    this.#host = info.host === true;
  }

  get sid() { return this.#sid; }
  get identity() { return this.#identity; }
  /** Display name (the identity when the token has none). */
  get name() { return this.#name; }
  get metadata() { return this.#metadata; }
  get joinedAt() { return new Date(this.#joinedAt); }
  /**
   * What this participant's token allows (ParticipantInfo.permission). The server enforces it: it
   * refuses a publish or an SDP that goes past it, so the SDK sends nothing to a participant that
   * may not subscribe, and takes no data-channel message from one that may not publish data.
   */
  get permissions() { return this.#permissions; }
  /** Publications by track sid. A copy: changing it changes nothing. */
  get trackPublications() { return new Map(this.#publications); }
  get isSpeaking() { return this.#speaking; }
  /** 0–1, from the latest stats sample. */
  get audioLevel() { return this.#audioLevel; }
  get isLocal() { return false; }
  /** A host of this meeting (ParticipantInfo.host): may admit, mute, remove, lock and end (docs/protocol.md). */
  get isHost() { return this.#host; }

  /**
   * The publication for a source (`camera`, `microphone`, `screen_share`, `screen_share_audio`).
   * @param {string} source
   */
  getTrackPublication(source) {
    for (const p of this.#publications.values()) if (p.source === source) return p;
    return undefined;
  }

  get isCameraEnabled() { const p = this.getTrackPublication('camera'); return !!p && !p.isMuted; }
  get isMicrophoneEnabled() { const p = this.getTrackPublication('microphone'); return !!p && !p.isMuted; }
  get isScreenShareEnabled() { return !!this.getTrackPublication('screen_share'); }

  // Internal: called by the Room only (it alone changes public state).

  /**
   * @param {{ name?: string, metadata?: string, permission?: Partial<ParticipantPermission>, host?: boolean }} info a whole ParticipantInfo
   * @returns {boolean} whether the host flag changed
   * @internal
   */
  _update(info) {
    if (info.name) this.#name = info.name;
    if (info.metadata !== undefined) this.#metadata = info.metadata;
    if (info.permission) this.#permissions = toPermissions(info.permission);
    const host = info.host === true;
    if (host === this.#host) return false;
    this.#host = host;
    return true;
  }
  /** @param {string} sid @internal */
  _setSid(sid) { this.#sid = sid; }
  /** @param {boolean} speaking @param {number} level @internal */
  _setSpeaking(speaking, level) { this.#speaking = speaking; this.#audioLevel = level; }
  /** @param {string} trackSid @internal */
  _publication(trackSid) { return this.#publications.get(trackSid); }
  /** @param {import('./TrackPublication.js').TrackPublication} pub @internal */
  _addPublication(pub) { this.#publications.set(pub.trackSid, pub); }
  /** @param {string} trackSid @returns {boolean} whether it was there @internal */
  _removePublication(trackSid) { return this.#publications.delete(trackSid); }
  /** Forgets every publication and returns them. @internal */
  _takePublications() {
    const all = [...this.#publications.values()];
    this.#publications.clear();
    return all;
  }
}
