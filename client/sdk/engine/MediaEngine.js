// @ts-check
/**
 * The seam between a Room and the media: what the Room asks of an engine, and what an engine reports
 * back. The Room owns all public state (participants, publications, tracks, speakers, stats) and
 * emits every RoomEvent; an engine owns connections only. It never touches a participant, a
 * publication or a track object and never emits a RoomEvent: it reports, by participant sid and
 * track sid, through the {@link EngineHost} it was started with, and the Room turns the reports into
 * state changes and events (reports about a participant the Room no longer knows are dropped).
 *
 *   Room ──start/participantJoined/signal/publicationAdded/…──▶ MediaEngine
 *   Room ◀──trackArrived/connectionStateChanged/sendSignal/…─── EngineHost
 *
 * `MeshEngine` (one RTCPeerConnection per remote participant) and `SfuEngine` (a publisher and a
 * subscriber connection, both to the server's SFU) are the SDK's; `EngineSwitch`, the Room's default, runs the
 * one the server's topology names and moves between them when it changes. `new Room({ engine })` takes any object with these
 * members; one engine serves one Room.
 *
 * Call order: `start` once, before anything else; then any of the others until `close`, after
 * which the Room calls nothing more and ignores what is still reported.
 *
 * @module engine/MediaEngine
 */

/**
 * One of our published tracks as an engine sees it. The engine keeps its own copy; later changes
 * come through `publicationReplaced`, `publicationMuted` and `publicationRemoved`.
 * @typedef {Object} LocalMedia
 * @property {string} trackSid the sid the server gave it (`trackPublished`)
 * @property {'audio' | 'video'} kind
 * @property {string} source `camera`, `microphone`, `screen_share` or `screen_share_audio`
 * @property {MediaStreamTrack | null} track the browser track now (null while a camera is off)
 * @property {MediaStream} stream its stream; the id was the publish request's `cid`
 * @property {boolean} muted
 */

/**
 * What the Room tells an engine when it starts (and again, fresh, after a rejoin).
 * @typedef {Object} EngineInit
 * @property {string} localSid our participant sid (new after a rejoin)
 * @property {RTCIceServer[]} iceServers the list the server sent in `join`
 * @property {RTCConfiguration} [rtcConfig] the app's RoomOptions.rtcConfig: merged into every
 *   RTCPeerConnection's configuration, its fields winning (its `iceServers` replace the server's)
 * @property {boolean} [canSubscribe] false when our token may not receive media: the server refuses
 *   any SDP of ours that declares recv (docs/protocol.md, "Grants in SDP"); default true
 * @property {string} [topology] the `join` frame's: `mesh` or `sfu` (EngineSwitch picks its engine by it)
 */

/**
 * One round of measurements: what the Room shows as `connectionStats`, `isSpeaking`,
 * `audioLevel` and `activeSpeakers`. Participants not measured this round are left out.
 * @typedef {Object} EngineSample
 * @property {Map<string, import('../stats.js').ConnectionStats>} stats by participant sid
 * @property {Map<string, number>} levels by participant sid: the level (0–1) heard from them since the last round
 * @property {number} localLevel our own microphone's level (0–1) since the last round
 */

/**
 * What an engine reports. Implemented by the Room (the engine gets it in `start`); the Room alone
 * turns these into public state and RoomEvents.
 * @typedef {Object} EngineHost
 * @property {(type: 'offer' | 'answer' | 'candidate' | 'publisherOffer' | 'subscriberAnswer' | 'updateSubscription' | 'restartIce', fields: Record<string, unknown>) => void} sendSignal
 *   sends a signaling frame; for `offer`, `answer` and `candidate`, `fields.to` names the participant sid it is for
 *   (the others are protocol 2's, to the server's SFU)
 * @property {(participantSid: string, trackSid: string, track: MediaStreamTrack, receiver: RTCRtpReceiver | null) => void} trackArrived
 *   media of a publication arrived (it may come before the `trackPublished` that announces it; the Room waits for that)
 * @property {(participantSid: string, trackSid: string, track: MediaStreamTrack, receiver: RTCRtpReceiver | null) => void} trackSwapped
 *   the same publication's media now comes through another connection (EngineSwitch moving between mesh and SFU):
 *   the Room puts the new browser track under the same RemoteTrack, without events
 * @property {(participantSid: string, trackSid: string) => void} trackEnded
 *   that media stopped coming, though the publication stays (the Room unsubscribes it)
 * @property {(participantSid: string, state: RTCPeerConnectionState) => void} connectionStateChanged
 *   the media connection to that participant changed (`new`, `connecting`, `connected`, `disconnected`, `failed`)
 * @property {(participantSid: string, bytes: Uint8Array) => void} dataReceived
 *   a data message from that participant, as framed by data.js toChannelMessage
 * @property {(sample: EngineSample) => void} sampled a round of measurements
 * @property {() => void} pathDead the media path died (an ICE restart follows): the signaling socket is checked
 *   at once, since it most likely died with it
 */

/**
 * What a Room asks of its engine. Participants are named by sid; the Room only names people it knows.
 * @typedef {Object} MediaEngine
 * @property {(host: EngineHost, init: EngineInit) => void} start
 *   once, right after `join`, before the participants already there are announced
 * @property {(init: EngineInit) => void} restart
 *   the session was lost and the Room joined afresh: close every connection and forget every
 *   publication (they come again with new sids), keep running
 * @property {(iceServers: RTCIceServer[] | undefined) => void} resume
 *   the signaling session was resumed (connections were untouched); new ICE servers when the server sent them
 * @property {(participantSid: string, joinedAfterUs: boolean, permissions?: { canSubscribe?: boolean }) => void} participantJoined
 *   someone to exchange media with; `joinedAfterUs` is true when they arrived while we were in the room
 *   (false for those already there when we joined, or rejoined); `permissions` are theirs
 *   (Participant.permissions): with `canSubscribe` false, send them no media
 * @property {(participantSid: string) => void} participantLeft
 * @property {(frame: any) => void} signal an `offer`, `answer` or `candidate` frame from `frame.from`
 * @property {(media: LocalMedia) => void} publicationAdded start sending one of our tracks
 * @property {(trackSid: string) => void} publicationRemoved stop sending it
 * @property {(trackSid: string, track: MediaStreamTrack | null) => Promise<void>} publicationReplaced
 *   send this browser track for it from now on (a new device, or null: camera off)
 * @property {(trackSid: string, muted: boolean) => void} publicationMuted
 * @property {(participantSid: string, bytes: Uint8Array, reliable: boolean) => boolean} sendData
 *   sends a data message straight to that participant; false when that is not possible now (the
 *   Room then sends it through the signaling server)
 * @property {(participantSid: string) => Promise<RTCStatsReport | null>} getStats
 *   the full WebRTC statistics of the media path to that participant (RemoteParticipant.getStats)
 * @property {() => Record<string, unknown>} describe diagnostics by participant sid (tests, the console)
 * @property {() => void} close the room is over: close everything; report nothing more
 * @property {(frame: any) => void} [serverFrame] a protocol-2 frame for the SFU's connections
 *   (`publisherAnswer`, `subscriberOffer`); engines that do not use the SFU leave it out
 * @property {(topology: string) => void} [topologyChanged] the server moved the room's media (`topology` frame,
 *   or `resumed` naming another topology): `mesh` or `sfu`; EngineSwitch moves, other engines leave it out
 * @property {(trackSid: string, elements: HTMLMediaElement[]) => void} [videoElements] the elements
 *   the app shows one of their videos in now (none: not shown); for adaptive stream
 */

export {};
