// @ts-check
/**
 * Confer browser SDK. Plain ES modules, no build step:
 *
 *   import { connect } from '/sdk/confer.js';
 *   const room = await connect(url, token);
 *   await room.localParticipant.enableCameraAndMicrophone();
 *
 * @module confer
 */
import { Room } from './Room.js';

/**
 * Connects to a room and resolves with the connected Room.
 * @param {string} url the server (`https://meet.example.org`), or the `/rtc` path
 * @param {string} token an access token for the room
 * @param {import('./Room.js').RoomOptions} [options]
 * @returns {Promise<Room>}
 */
export async function connect(url, token, options) {
  const room = new Room(options);
  await room.connect(url, token);
  return room;
}

export { Room } from './Room.js';
export { runConnectionCheck } from './connectionCheck.js';
export { RoomEvent, ConnectionState, TrackSource } from './events.js';
export { ConferError } from './ConferError.js';
export { Participant } from './Participant.js';
export { LocalParticipant } from './LocalParticipant.js';
export { RemoteParticipant } from './RemoteParticipant.js';
export { Track, LocalTrack, RemoteTrack } from './Track.js';
export { TrackPublication, LocalTrackPublication, RemoteTrackPublication } from './TrackPublication.js';
