// @ts-check
import { RoomEvent, TrackSource } from './events.js';
import { fromPayload } from './data.js';
import { ConferError } from './ConferError.js';
import { addRemotePublication, removeRemotePublication, setRemoteMuted, unpublishedByServer } from './roomTracks.js';

/** @typedef {import('./Room.js').Room} Room */

/**
 * @typedef {Object} ChatMessage
 * @property {string} id
 * @property {string} text
 * @property {number} timestamp unix ms, server time
 * @property {string | undefined} fromIdentity
 * @property {string | undefined} fromName
 */

/**
 * @typedef {Object} UnmuteRequest a host asks us to turn something on; only we can
 * @property {string} fromIdentity the host who asks
 * @property {string} fromName
 * @property {string | undefined} trackSid the track asked about; undefined: the microphone
 * @property {'microphone' | 'camera'} [source] what to turn on if we agree
 */

/**
 * @typedef {Object} LobbyGuest someone waiting to be let in
 * @property {string} id pass to room.admit() / room.deny()
 * @property {string} name the name they typed
 * @property {number} since unix ms when they started waiting
 */

/**
 * Part of the Room: a frame from the signaling server (docs/protocol.md) turned into state and
 * RoomEvents on the Room's behalf.
 * @param {Room} room
 * @param {any} f
 */
export function onSignalMessage(room, f) {
  const local = room.localParticipant;
  if (!local) return;
  switch (f.type) {
    case 'participantJoined':
      room._addRemote(f.participant, true);
      break;
    case 'participantUpdated': {
      const p = room.remoteParticipants.get(f.participant.identity);
      const who = p ?? (f.participant.sid === local.sid ? local : undefined);
      const hostChanged = who?._update(f.participant);
      if (p) room.emit(RoomEvent.ParticipantUpdated, p);
      if (who && hostChanged) room.emit(RoomEvent.HostChanged, who, who.isHost);
      break;
    }
    case 'participantLeft': {
      const p = room._remote(f.sid);
      if (p) room._removeRemote(p, f.reason ?? 'left');
      break;
    }
    case 'trackPublished':
      if (f.participantSid === local.sid) {
        room._publishes.answered(f.track);
      } else {
        const p = room._remote(f.participantSid);
        if (p) addRemotePublication(room, p, f.track);
      }
      break;
    case 'trackUnpublished': {
      const p = room._remote(f.participantSid);
      if (p) removeRemotePublication(room, p, f.trackSid);
      else if (f.participantSid === local.sid) unpublishedByServer(room, f.trackSid); // a host stopped our screen share
      break;
    }
    case 'trackMuted':
      onTrackMuted(room, f);
      break;
    case 'topology':
      room._engine?.topologyChanged?.(f.topology); // --topology auto: the media moves (engine/EngineSwitch.js)
      break;
    case 'publisherAnswer': case 'subscriberOffer': case 'speakersChanged': case 'publishedLayers':
      room._engine?.serverFrame?.(f); // protocol 2: the SFU's connections
      break;
    case 'offer': case 'answer': case 'candidate':
      if (room._remote(f.from)) room._engine?.signal(f); // else from someone who already left
      break;
    case 'data':
      room.emit(RoomEvent.DataReceived, fromPayload(f.payload ?? '', f.encoding), f.from ? room._remote(f.from) : undefined, f.topic);
      break;
    case 'chat': {
      /** @type {ChatMessage} */
      const msg = { id: f.messageId, text: f.text, timestamp: f.timestamp, fromIdentity: f.fromIdentity, fromName: f.fromName };
      room.emit(RoomEvent.ChatMessage, msg, f.from === local.sid ? local : room._remote(f.from));
      break;
    }
    case 'error':
      if (!room._publishes.failed(f)) {
        console.warn(`confer: server error ${f.code}: ${f.message}`);
        room.emit(RoomEvent.ServerError, new ConferError(f.code ?? 'server_error', f.message ?? String(f.code)));
      }
      break;
    case 'lobby':
      room._setLobby(f.waiting ?? []);
      break;
    case 'roomUpdated':
      room._setRoomInfo(f.room ?? {}, true);
      break;
    case 'unmuteRequest': {
      /** @type {UnmuteRequest} */
      const request = { fromIdentity: f.fromIdentity, fromName: room.getParticipantByIdentity(f.fromIdentity)?.name ?? f.fromIdentity, trackSid: f.trackSid ?? undefined };
      const pub = request.trackSid ? local.trackPublications.get(request.trackSid) : undefined;
      request.source = pub?.source === TrackSource.Camera ? TrackSource.Camera : TrackSource.Microphone;
      room.emit(RoomEvent.UnmuteRequested, request);
      break;
    }
    case 'leave':
      break; // the close that follows ends the session
    default:
      break;
  }
}

/**
 * @param {Room} room
 * @param {any} f trackMuted frame
 */
function onTrackMuted(room, f) {
  const local = room.localParticipant;
  if (f.participantSid === local.sid) {
    // A host or the server API muted one of our tracks: stop sending it (the camera light goes off too).
    const pub = local.trackPublications.get(f.trackSid);
    if (pub && f.muted && !pub.isMuted) {
      const done = pub.source === TrackSource.Camera ? local.setCameraEnabled(false)
        : pub.source === TrackSource.Microphone ? local.setMicrophoneEnabled(false) : undefined;
      done?.then(() => room.emit(RoomEvent.LocalTrackStoppedByHost, pub, 'muted'), () => {});
    }
    return;
  }
  const p = room._remote(f.participantSid);
  const pub = p?.trackPublications.get(f.trackSid);
  if (p && pub) setRemoteMuted(room, p, pub, !!f.muted);
}
