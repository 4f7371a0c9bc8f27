// @ts-check
import { RoomEvent } from './events.js';
import { fromChannelMessage } from './data.js';
import { trackArrived, trackEnded, trackSwapped } from './roomTracks.js';

/** @typedef {import('./Room.js').Room} Room */
/** @typedef {import('./engine/MediaEngine.js').EngineHost} EngineHost */

/**
 * Part of the Room: what it gives its media engine to report with (engine/MediaEngine.js). Each
 * report is turned into state and RoomEvents here, on the Room's behalf; reports that come while
 * the engine is not live (before its start, after its close), or about someone no longer here,
 * are dropped.
 * @param {Room} room
 * @param {() => boolean} live true from the engine's start to its close
 * @returns {EngineHost}
 */
export function engineHost(room, live) {
  /** @param {string} sid */
  const remote = (sid) => (live() ? room._remote(sid) : undefined);
  return {
    sendSignal: (type, fields) => { if (live()) room._send(type, fields); },
    pathDead: () => { if (live()) room._suspectSignal(); },
    trackArrived: (sid, trackSid, track, receiver) => {
      const p = remote(sid);
      if (p) trackArrived(room, p, trackSid, track, receiver);
    },
    trackSwapped: (sid, trackSid, track, receiver) => {
      const p = remote(sid);
      if (p) trackSwapped(room, p, trackSid, track, receiver);
    },
    trackEnded: (sid, trackSid) => {
      const p = remote(sid);
      if (p) trackEnded(room, p, trackSid);
    },
    connectionStateChanged: (sid, state) => {
      const p = remote(sid);
      if (!p) return;
      p._setConnectionState(state);
      room.emit(RoomEvent.PeerConnectionStateChanged, p, state);
    },
    dataReceived: (sid, bytes) => {
      const p = remote(sid);
      // Their token may not send data: the server refuses it from them, and so do we off the data channel.
      const msg = p && p.permissions.canPublishData && fromChannelMessage(bytes);
      if (msg) room.emit(RoomEvent.DataReceived, msg.payload, p, msg.topic);
    },
    sampled: (sample) => { if (live()) room._sampled(sample); },
  };
}
