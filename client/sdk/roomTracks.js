// @ts-check
import { RoomEvent, ConnectionState } from './events.js';
import { RemoteTrack } from './Track.js';
import { RemoteTrackPublication } from './TrackPublication.js';

/**
 * Part of the Room: publications and their tracks, ours and the others'. These functions change
 * that state and emit on the Room's behalf (it calls them, or hands them what came in); they reach
 * the Room's own state only through its `_` members.
 * @module roomTracks
 */

/** @typedef {import('./Room.js').Room} Room */
/** @typedef {import('./RemoteParticipant.js').RemoteParticipant} RemoteParticipant */
/** @typedef {import('./LocalParticipant.js').LocalParticipant} LocalParticipant */
/** @typedef {import('./LocalParticipant.js').LocalParticipantHost} LocalParticipantHost */
/** @typedef {import('./TrackPublication.js').TrackPublication} TrackPublication */
/** @typedef {import('./TrackPublication.js').LocalTrackPublication} LocalTrackPublication */

// Theirs.

/**
 * Makes a participant's publications match the server's list.
 * @param {Room} room
 * @param {RemoteParticipant} p
 * @param {any[]} tracks TrackInfo[]
 */
export function syncPublications(room, p, tracks) {
  const keep = new Set(tracks.map((t) => t.sid));
  for (const sid of p.trackPublications.keys()) if (!keep.has(sid)) removeRemotePublication(room, p, sid);
  for (const t of tracks) {
    const pub = p._publication(t.sid);
    if (!pub) addRemotePublication(room, p, t);
    else setRemoteMuted(room, p, pub, !!t.muted);
  }
}

/**
 * @param {Room} room
 * @param {RemoteParticipant} p
 * @param {any} info TrackInfo
 */
export function addRemotePublication(room, p, info) {
  if (p._publication(info.sid)) return;
  const pub = new RemoteTrackPublication(info);
  p._addPublication(pub);
  room.emit(RoomEvent.TrackPublished, pub, p);
  const early = room._early.get(info.sid);
  if (early?.participantSid === p.sid) {
    room._early.delete(info.sid);
    subscribe(room, p, pub, early.track, early.receiver);
  }
}

/**
 * @param {Room} room
 * @param {RemoteParticipant} p
 * @param {string} trackSid
 */
export function removeRemotePublication(room, p, trackSid) {
  const pub = /** @type {RemoteTrackPublication | undefined} */ (p._publication(trackSid));
  if (!pub) return;
  p._removePublication(trackSid);
  room._early.delete(trackSid);
  unsubscribe(room, p, pub);
  room.emit(RoomEvent.TrackUnpublished, pub, p);
}

/**
 * @param {Room} room
 * @param {RemoteParticipant} p
 * @param {TrackPublication} pub
 * @param {boolean} muted
 */
export function setRemoteMuted(room, p, pub, muted) {
  if (pub.isMuted === muted) return;
  pub._setMuted(muted);
  room.emit(muted ? RoomEvent.TrackMuted : RoomEvent.TrackUnmuted, pub, p);
}

/**
 * Media of a publication arrived (the engine's `trackArrived`); held until its `trackPublished`
 * when it comes first.
 * @param {Room} room
 * @param {RemoteParticipant} p
 * @param {string} trackSid
 * @param {MediaStreamTrack} track
 * @param {RTCRtpReceiver | null} receiver
 */
export function trackArrived(room, p, trackSid, track, receiver) {
  const pub = /** @type {RemoteTrackPublication | undefined} */ (p._publication(trackSid));
  if (pub) subscribe(room, p, pub, track, receiver);
  else room._early.set(trackSid, { participantSid: p.sid, track, receiver });
}

/**
 * The same publication's media now comes another way (the engine moved between mesh and SFU): the browser track
 * changes under the same RemoteTrack, and the elements it is attached to show the new one. No events: for the app
 * it is the same track. Without a track yet, it is an arrival.
 * @param {Room} room
 * @param {RemoteParticipant} p
 * @param {string} trackSid
 * @param {MediaStreamTrack} mst
 * @param {RTCRtpReceiver | null} receiver
 */
export function trackSwapped(room, p, trackSid, mst, receiver) {
  const track = /** @type {RemoteTrackPublication | undefined} */ (p._publication(trackSid))?.track;
  if (!track || track.kind !== mst.kind) { trackArrived(room, p, trackSid, mst, receiver); return; }
  if (track.mediaStreamTrack !== mst) track._swap(mst, receiver);
}

/**
 * That media stopped coming, though the publication stays (the engine's `trackEnded`).
 * @param {Room} room
 * @param {RemoteParticipant} p
 * @param {string} trackSid
 */
export function trackEnded(room, p, trackSid) {
  if (room._early.get(trackSid)?.participantSid === p.sid) room._early.delete(trackSid);
  const pub = /** @type {RemoteTrackPublication | undefined} */ (p._publication(trackSid));
  if (pub) unsubscribe(room, p, pub);
}

/**
 * @param {Room} room
 * @param {RemoteParticipant} p
 * @param {RemoteTrackPublication} pub
 * @param {MediaStreamTrack} mst
 * @param {RTCRtpReceiver | null} receiver
 */
function subscribe(room, p, pub, mst, receiver) {
  if (pub.track?.mediaStreamTrack === mst) return;
  const track = new RemoteTrack(mst, pub.source, receiver);
  // Adaptive stream: an engine that wants to know where a video is shown is told.
  if (track.kind === 'video') track._onElements = (els) => room._engine?.videoElements?.(pub.trackSid, els);
  pub._setTrack(track);
  room.emit(RoomEvent.TrackSubscribed, track, pub, p);
}

/**
 * @param {Room} room
 * @param {RemoteParticipant} p
 * @param {RemoteTrackPublication} pub
 */
function unsubscribe(room, p, pub) {
  const track = pub.track;
  if (!track) return;
  pub._setTrack(undefined);
  room.emit(RoomEvent.TrackUnsubscribed, track, pub, p);
  track.detach();
}

// Ours.

/**
 * What the Room lends its LocalParticipant: the participant captures devices and asks; these
 * change the state, tell the media engine and the server, and emit.
 * @param {Room} room
 * @returns {LocalParticipantHost}
 */
export function localParticipantHost(room) {
  return {
    requestPublish: (fields) => room._requestPublish(fields),
    published: (pubs) => published(room, pubs),
    unpublished: (pub) => unpublished(room, pub),
    replaceTrack: (pub, track) => replaceTrack(room, pub, track),
    setMuted: (pub, muted) => setLocalMuted(room, pub, muted),
    send: (type, fields) => { room._send(type, fields); },
    sendData: (bytes, reliable, identities) => sendData(room, bytes, reliable, identities),
    connected: () => isConnected(room),
  };
}

/**
 * After a fresh join every publication is asked for again (new track sids) before the engine sees it.
 * @param {Room} room
 * @param {LocalTrackPublication[]} pubs taken from the local participant
 */
export async function republish(room, pubs) {
  const local = room.localParticipant;
  const results = await Promise.allSettled(pubs.map((pub) => room._requestPublish({
    cid: pub._stream.id, kind: pub.kind, source: pub.source, muted: pub.isMuted,
    ...(pub.trackName !== pub.source ? { name: pub.trackName } : {}),
  })));
  pubs.forEach((pub, i) => {
    const r = results[i];
    if (r.status === 'rejected') { pub.track.stop(); room.emit(RoomEvent.LocalTrackUnpublished, pub, local); return; }
    pub._setSid(r.value.sid);
    local._addPublication(pub);
    room._engine?.publicationAdded(localMedia(pub));
  });
}

/**
 * The local participant's new publications: ours now, sent to the others, announced.
 * @param {Room} room
 * @param {LocalTrackPublication[]} pubs
 */
function published(room, pubs) {
  const local = room.localParticipant;
  for (const pub of pubs) {
    local._addPublication(pub);
    room._engine?.publicationAdded(localMedia(pub));
  }
  for (const pub of pubs) room.emit(RoomEvent.LocalTrackPublished, pub, local);
}

/**
 * @param {Room} room
 * @param {LocalTrackPublication} pub
 */
function unpublished(room, pub) {
  const local = room.localParticipant;
  if (!local._removePublication(pub.trackSid)) return;
  room._engine?.publicationRemoved(pub.trackSid);
  pub.track.stop();
  if (isConnected(room)) room._send('unpublishTrack', { trackSid: pub.trackSid });
  room.emit(RoomEvent.LocalTrackUnpublished, pub, local);
}

/**
 * The server took one of our tracks away (a host stopped our screen share): stop capturing it, as if we had unpublished
 * it, without telling the server what it already knows.
 * @param {Room} room
 * @param {string} trackSid
 */
export function unpublishedByServer(room, trackSid) {
  const local = room.localParticipant;
  const pub = /** @type {LocalTrackPublication | undefined} */ (local._publication(trackSid));
  if (!pub || !local._removePublication(trackSid)) return;
  room._engine?.publicationRemoved(trackSid);
  pub.track.stop();
  room.emit(RoomEvent.LocalTrackUnpublished, pub, local);
  room.emit(RoomEvent.LocalTrackStoppedByHost, pub, 'unpublished');
}

/**
 * @param {Room} room
 * @param {LocalTrackPublication} pub
 * @param {MediaStreamTrack | null} track
 */
async function replaceTrack(room, pub, track) {
  pub.track._setMediaStreamTrack(track);
  await room._engine?.publicationReplaced(pub.trackSid, track);
}

/**
 * @param {Room} room
 * @param {LocalTrackPublication} pub
 * @param {boolean} muted
 */
function setLocalMuted(room, pub, muted) {
  if (pub.isMuted === muted) return;
  pub._setMuted(muted);
  room._send('muteTrack', { trackSid: pub.trackSid, muted });
  room._engine?.publicationMuted(pub.trackSid, muted);
  room.emit(muted ? RoomEvent.TrackMuted : RoomEvent.TrackUnmuted, pub, room.localParticipant);
}

/**
 * Sends a data message straight to each person (the engine); says who it could not reach so.
 * @param {Room} room
 * @param {Uint8Array} bytes a channel message (data.js toChannelMessage)
 * @param {boolean} reliable
 * @param {string[] | undefined} identities undefined: everyone we know
 */
function sendData(room, bytes, reliable, identities) {
  const remotes = room.remoteParticipants;
  const engine = room._engine;
  /** @type {string[]} */
  const rest = [];
  let reached = 0;
  for (const identity of identities ?? [...remotes.keys()]) {
    const p = remotes.get(identity);
    if (p && engine && engine.sendData(p.sid, bytes, reliable)) reached++;
    else rest.push(identity);
  }
  return { reached, rest };
}

/** @param {Room} room */
function isConnected(room) {
  return room.state === ConnectionState.Connected || room.state === ConnectionState.Reconnecting;
}

/**
 * One of our publications as the engine gets it.
 * @param {LocalTrackPublication} pub
 * @returns {import('./engine/MediaEngine.js').LocalMedia}
 */
function localMedia(pub) {
  return {
    trackSid: pub.trackSid, kind: /** @type {'audio' | 'video'} */ (pub.kind), source: pub.source,
    track: pub.track.mediaStreamTrack, stream: pub._stream, muted: pub.isMuted,
  };
}
