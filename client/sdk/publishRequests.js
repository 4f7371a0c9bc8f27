// @ts-check
import { ConferError } from './ConferError.js';

/**
 * Our `publishTrack` requests still waiting for the server's answer, by cid. Bookkeeping only:
 * no public state, no events. The Room owns one and tells it what the server said.
 */
export class PublishRequests {
  /** @type {Map<string, { resolve: (info: any) => void, reject: (e: Error) => void, id: number, fields: Record<string, unknown> }>} by cid */
  #pending = new Map();

  /**
   * Sends a publish request; resolves with the server's TrackInfo.
   * @param {(type: string, fields: Record<string, unknown>) => number} send sends a signaling frame, returns its id
   * @param {Record<string, unknown>} fields the request (its `cid` names it)
   * @returns {Promise<any>}
   */
  request(send, fields) {
    return new Promise((resolve, reject) => {
      const id = send('publishTrack', fields);
      this.#pending.set(String(fields.cid), { resolve, reject, id, fields });
    });
  }

  /**
   * The server published one of ours (`trackPublished` with our sid).
   * @param {any} track TrackInfo
   */
  answered(track) {
    const pending = this.#pending.get(track.cid);
    this.#pending.delete(track.cid);
    pending?.resolve(track);
  }

  /**
   * An `error` frame: rejects the request it answers, if it answers one.
   * @param {any} f the error frame (`re` is the id of the frame it answers)
   * @returns {boolean} whether it answered a publish request
   */
  failed(f) {
    for (const [cid, pending] of this.#pending) {
      if (pending.id === f.re) {
        this.#pending.delete(cid);
        pending.reject(new ConferError(f.code === 'permission_denied' ? 'permission_denied' : 'publish_failed', f.message ?? f.code));
        return true;
      }
    }
    return false;
  }

  /**
   * Sends every waiting request again (they went to a session that is gone).
   * @param {(type: string, fields: Record<string, unknown>) => number | undefined} send
   */
  resend(send) {
    for (const pending of this.#pending.values()) pending.id = send('publishTrack', pending.fields) ?? pending.id;
  }

  /** We left: every waiting request fails with `closed`. */
  rejectAll() {
    for (const pending of this.#pending.values()) pending.reject(new ConferError('closed', 'Left the room before the track was published.'));
    this.#pending.clear();
  }
}
