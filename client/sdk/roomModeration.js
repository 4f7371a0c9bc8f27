// @ts-check
import { ConferError } from './ConferError.js';
import { ConnectionState, RoomEvent } from './events.js';

/** @typedef {import('./roomSignals.js').LobbyGuest} LobbyGuest */

/**
 * Part of the Room: its host-side state (locked, lobby setting, who waits) and the host frames it sends (docs/protocol.md,
 * "Hosts, the lobby and moderation"). A frame is refused here when we are not connected or not a host; the server checks
 * again and refuses with `permission_denied`, so hiding a button is never the only guard.
 */
export class Hosting {
  locked = false;
  hasLobby = false;
  /** @type {LobbyGuest[]} */
  lobby = [];
  #room;

  /** @param {import('./Room.js').Room} room */
  constructor(room) { this.#room = room; }

  /**
   * Sends a host frame (a bound function: RemoteParticipants get it too).
   * @param {string} type
   * @param {Record<string, unknown>} fields
   */
  send = (type, fields) => {
    const room = this.#room;
    if (room.state !== ConnectionState.Connected && room.state !== ConnectionState.Reconnecting) {
      throw new ConferError('not_connected', 'Not connected to a room.');
    }
    if (!room.localParticipant?.isHost) throw new ConferError('permission_denied', `Only a host may ${describe(type)}.`);
    room._send(type, fields);
  };

  /** @param {any} info RoomInfo @param {boolean} announce */
  setInfo(info, announce) {
    this.locked = info.locked === true;
    this.hasLobby = info.lobby === true;
    if (announce) this.#room.emit(RoomEvent.RoomUpdated, this.#room);
  }

  /** @param {LobbyGuest[]} waiting */
  setLobby(waiting) {
    this.lobby = waiting.map((g) => ({ id: g.id, name: g.name, since: g.since }));
    this.#room.emit(RoomEvent.LobbyChanged, [...this.lobby]);
  }
}

/** @param {string} type */
function describe(type) {
  return /** @type {Record<string, string>} */ ({
    admit: 'let people in', deny: 'turn people away', lockRoom: 'lock the room', endMeeting: 'end the meeting',
    muteParticipant: 'mute others', askUnmute: 'ask others to unmute', stopTrack: "stop others' video",
    removeParticipant: 'remove people', makeHost: 'make someone a host',
  })[type] ?? type;
}
