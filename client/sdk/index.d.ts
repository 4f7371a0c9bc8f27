// Types for the Confer browser SDK (plain ES modules at /sdk/confer.js). Hand-written; kept in step
// with the JSDoc in the .js files.

export type ConnectionStateValue = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';
export type TrackSourceValue = 'camera' | 'microphone' | 'screen_share' | 'screen_share_audio';
export type DisconnectReason =
  | 'clientInitiated' | 'serverShutdown' | 'connectionLost' | 'frameTooLarge' | 'tokenRejected'
  | 'permissionDenied' | 'roomFull' | 'duplicateIdentity' | 'removed' | 'roomDeleted' | 'resumeFailed'
  | 'rateLimited' | 'pingTimeout' | 'slowConsumer' | 'tooManyErrors' | 'serverRestart' | 'serverUnavailable';

/** Why the SDK is reconnecting: the connection dropped, or the server is restarting (it joins again by itself). */
export type ReconnectReason = 'connectionLost' | 'serverRestart';

export declare const RoomEvent: Readonly<{
  ParticipantConnected: 'participantConnected';
  ParticipantDisconnected: 'participantDisconnected';
  ParticipantUpdated: 'participantUpdated';
  TrackSubscribed: 'trackSubscribed';
  TrackUnsubscribed: 'trackUnsubscribed';
  TrackPublished: 'trackPublished';
  TrackUnpublished: 'trackUnpublished';
  TrackMuted: 'trackMuted';
  TrackUnmuted: 'trackUnmuted';
  LocalTrackPublished: 'localTrackPublished';
  LocalTrackUnpublished: 'localTrackUnpublished';
  ActiveSpeakersChanged: 'activeSpeakersChanged';
  DataReceived: 'dataReceived';
  ChatMessage: 'chatMessage';
  ConnectionStateChanged: 'connectionStateChanged';
  Reconnecting: 'reconnecting';
  Reconnected: 'reconnected';
  Disconnected: 'disconnected';
  PeerConnectionStateChanged: 'peerConnectionStateChanged';
  MediaDevicesError: 'mediaDevicesError';
  ServerError: 'serverError';
  LobbyChanged: 'lobbyChanged';
  RoomUpdated: 'roomUpdated';
  UnmuteRequested: 'unmuteRequested';
  HostChanged: 'hostChanged';
  LocalTrackStoppedByHost: 'localTrackStoppedByHost';
}>;

export declare const ConnectionState: Readonly<{
  Connecting: 'connecting'; Connected: 'connected'; Reconnecting: 'reconnecting'; Disconnected: 'disconnected';
}>;

export declare const TrackSource: Readonly<{
  Camera: 'camera'; Microphone: 'microphone'; ScreenShare: 'screen_share'; ScreenShareAudio: 'screen_share_audio';
}>;

/** Arguments each Room event passes to its listeners. */
export interface RoomEventMap {
  participantConnected: [participant: RemoteParticipant];
  participantDisconnected: [participant: RemoteParticipant, reason: string];
  participantUpdated: [participant: RemoteParticipant];
  trackSubscribed: [track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant];
  trackUnsubscribed: [track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant];
  trackPublished: [publication: RemoteTrackPublication, participant: RemoteParticipant];
  trackUnpublished: [publication: RemoteTrackPublication, participant: RemoteParticipant];
  trackMuted: [publication: TrackPublication, participant: Participant];
  trackUnmuted: [publication: TrackPublication, participant: Participant];
  localTrackPublished: [publication: LocalTrackPublication, participant: LocalParticipant];
  localTrackUnpublished: [publication: LocalTrackPublication, participant: LocalParticipant];
  activeSpeakersChanged: [speakers: Participant[]];
  dataReceived: [payload: Uint8Array, participant: RemoteParticipant | undefined, topic: string | undefined];
  /** Hosts only: who waits in the lobby, first come first. */
  lobbyChanged: [waiting: LobbyGuest[]];
  /** `isLocked` or `hasLobby` changed. */
  roomUpdated: [room: Room];
  /** A host asks us to unmute (or turn on the camera); nothing is turned on unless we do it. */
  unmuteRequested: [request: UnmuteRequest];
  /** Someone (ourselves too) became a host. */
  hostChanged: [participant: Participant, isHost: boolean];
  /** A host turned off one of our tracks; the SDK already did it. */
  localTrackStoppedByHost: [publication: LocalTrackPublication, action: 'muted' | 'unpublished'];
  chatMessage: [message: ChatMessage, participant: Participant | undefined];
  connectionStateChanged: [state: ConnectionStateValue];
  /** The SDK resumes the session, or joins again by itself after a server restart; media goes on meanwhile. */
  reconnecting: [reason?: ReconnectReason];
  /** Back in the room (resumed, or joined again with a new sid after a restart). */
  reconnected: [];
  disconnected: [reason: DisconnectReason, message: string];
  peerConnectionStateChanged: [participant: RemoteParticipant, state: RTCPeerConnectionState];
  mediaDevicesError: [error: ConferError];
}

/** The SDK's one event mechanism: an EventTarget whose listeners get the event's arguments. */
export declare class Emitter<M extends Record<string, any[]> = Record<string, any[]>> extends EventTarget {
  on<K extends keyof M & string>(name: K, fn: (...args: M[K]) => void): this;
  off<K extends keyof M & string>(name: K, fn: (...args: M[K]) => void): this;
  once<K extends keyof M & string>(name: K, fn: (...args: M[K]) => void): this;
  emit<K extends keyof M & string>(name: K, ...args: M[K]): void;
}

export declare class ConferError extends Error {
  /** invalid_argument, connection_failed, token_rejected, permission_denied, room_full, resume_failed,
   *  device_denied, device_not_found, device_error, not_connected, publish_failed, server_error, closed */
  readonly code: string;
  /** WebSocket close code when the server closed the connection. */
  readonly closeCode: number | undefined;
  constructor(code: string, message: string, extra?: { cause?: unknown; closeCode?: number });
}

export interface RoomOptions {
  /** Merged into every RTCPeerConnection's configuration; its fields win (iceServers here replaces the server's list). */
  rtcConfig?: RTCConfiguration;
  /** Audio level (0–1) above which someone counts as speaking; default 0.02. */
  speakingThreshold?: number;
  /**
   * What carries the media (sdk/engine/MediaEngine.js); by default the server's topology chooses mesh (one peer
   * connection per person) or Confer's SFU, and the SDK moves between them when it changes. One engine serves one
   * Room. For alternative engines and tests.
   */
  engine?: MediaEngine;
}

/** One of our published tracks as a media engine sees it. */
export interface LocalMedia {
  trackSid: string;
  kind: 'audio' | 'video';
  source: TrackSourceValue | string;
  /** The browser track now; null while a camera is off. */
  track: MediaStreamTrack | null;
  /** Its stream; the id was the publish request's cid. */
  stream: MediaStream;
  muted: boolean;
}

/** What the Room tells a media engine when it starts, and again after a rejoin. */
export interface EngineInit {
  localSid: string;
  /** The list the server sent in `join`. */
  iceServers: RTCIceServer[];
  /** RoomOptions.rtcConfig. */
  rtcConfig?: RTCConfiguration;
  /** False when our token may not receive media (the server refuses SDP of ours that declares recv). */
  canSubscribe?: boolean;
  /** The join frame's topology: `mesh` or `sfu`. */
  topology?: string;
}

/** One round of an engine's measurements; participants by sid. */
export interface EngineSample {
  stats: Map<string, ConnectionStats>;
  levels: Map<string, number>;
  localLevel: number;
}

/** What a media engine reports; the Room alone turns reports into state and RoomEvents. */
export interface EngineHost {
  /** `fields.to` names the participant sid. */
  sendSignal(type: 'offer' | 'answer' | 'candidate' | 'publisherOffer' | 'subscriberAnswer' | 'updateSubscription' | 'restartIce', fields: Record<string, unknown>): void;
  trackArrived(participantSid: string, trackSid: string, track: MediaStreamTrack, receiver: RTCRtpReceiver | null): void;
  /** The same publication's media through another connection (mesh ↔ SFU): same RemoteTrack, new browser track, no events. */
  trackSwapped(participantSid: string, trackSid: string, track: MediaStreamTrack, receiver: RTCRtpReceiver | null): void;
  trackEnded(participantSid: string, trackSid: string): void;
  connectionStateChanged(participantSid: string, state: RTCPeerConnectionState): void;
  /** A data message framed as publishData frames it on a data channel. */
  dataReceived(participantSid: string, bytes: Uint8Array): void;
  sampled(sample: EngineSample): void;
  /** The media path died (an ICE restart follows): the Room has the signaling socket prove itself at once. */
  pathDead(): void;
}

/** What a Room asks of its media engine (participants by sid); see sdk/engine/MediaEngine.js. */
export interface MediaEngine {
  start(host: EngineHost, init: EngineInit): void;
  /** After a fresh join: close everything, forget every publication, keep running. */
  restart(init: EngineInit): void;
  resume(iceServers: RTCIceServer[] | undefined): void;
  /** `permissions`: theirs; with `canSubscribe` false, send them no media. */
  participantJoined(participantSid: string, joinedAfterUs: boolean, permissions?: Partial<ParticipantPermission>): void;
  participantLeft(participantSid: string): void;
  /** An offer, answer or candidate frame from `frame.from`. */
  signal(frame: { type: 'offer' | 'answer' | 'candidate'; from: string; [field: string]: unknown }): void;
  publicationAdded(media: LocalMedia): void;
  publicationRemoved(trackSid: string): void;
  publicationReplaced(trackSid: string, track: MediaStreamTrack | null): Promise<void>;
  publicationMuted(trackSid: string, muted: boolean): void;
  /** False when it cannot go straight to them now (the Room sends it through the server). */
  sendData(participantSid: string, bytes: Uint8Array, reliable: boolean): boolean;
  getStats(participantSid: string): Promise<RTCStatsReport | null>;
  describe(): Record<string, unknown>;
  close(): void;
  /** Protocol 2: `publisherAnswer` and `subscriberOffer` frames, for an engine that uses Confer's SFU. */
  serverFrame?(frame: any): void;
  /** The server moved the room's media (`mesh` or `sfu`); engines that do not move leave it out. */
  topologyChanged?(topology: string): void;
  /** The elements the app shows one of their videos in now (adaptive stream); none: not shown. */
  videoElements?(trackSid: string, elements: HTMLMediaElement[]): void;
}

export interface ChatMessage {
  id: string;
  text: string;
  /** Unix ms, server time. */
  timestamp: number;
  fromIdentity: string | undefined;
  fromName: string | undefined;
}

export interface ConnectionStats {
  connectionType: 'direct' | 'relay' | 'unknown';
  localCandidateType: string | undefined;
  remoteCandidateType: string | undefined;
  protocol: string | undefined;
  /** How we reach the TURN server when our side is relayed: udp, tcp or tls. */
  relayProtocol: string | undefined;
  localAddress: string | undefined;
  remoteAddress: string | undefined;
  /** Milliseconds. */
  roundTripTime: number | undefined;
  /** Bits per second. */
  inboundBitrate: number;
  outboundBitrate: number;
  /** Fraction 0–1 of incoming packets lost since the previous sample. */
  packetLoss: number;
  framesDecoded: number;
  framesPerSecond: number;
  audioLevel: number;
  timestamp: number;
  /** Set when the media goes through Confer's SFU: the candidate pair is this browser's to the server. */
  via?: 'sfu';
}

export interface DeviceOptions {
  deviceId?: string;
  constraints?: MediaTrackConstraints;
}

export declare function connect(url: string, token: string, options?: RoomOptions): Promise<Room>;

export type CheckStatus = 'ok' | 'failed' | 'skipped';
export interface CheckResult {
  /** `websocket`, `iceServers`, `stun`, `turn-udp`, `turn-tcp`, `turn-tls`, `media` */
  id: string;
  label: string;
  status: CheckStatus;
  /** What happened, in words a person can act on. */
  detail: string;
  durationMs: number;
  /** The STUN/TURN URL tried. */
  url?: string;
}
export interface ConnectionCheckReport {
  checks: CheckResult[];
  /** The best way media can travel from this network. */
  best: 'udp' | 'turn-udp' | 'turn-tcp' | 'turn-tls' | 'none';
  /** Plain sentences: what works, what is blocked, what a call will use. */
  summary: string[];
}
export interface ConnectionCheckOptions {
  /** Per check, default 6000. */
  timeoutMs?: number;
  onCheck?: (check: CheckResult) => void;
}
/** Tries WebSocket, STUN, TURN over UDP/TCP/TLS and a media round trip without joining (any room's token). */
export declare function runConnectionCheck(url: string, token: string, options?: ConnectionCheckOptions): Promise<ConnectionCheckReport>;

/** Someone waiting in the lobby (hosts see them). */
export interface LobbyGuest {
  /** Pass to room.admit() / room.deny(). */
  id: string;
  name: string;
  /** Unix ms when they started waiting. */
  since: number;
}

/** A host's request that we turn something on. */
export interface UnmuteRequest {
  fromIdentity: string;
  fromName: string;
  /** The track asked about; undefined: the microphone. */
  trackSid: string | undefined;
  /** What to turn on if the person agrees. */
  source: 'microphone' | 'camera';
}

export declare class Room extends Emitter<RoomEventMap> {
  constructor(options?: RoomOptions);
  readonly name: string;
  readonly sid: string;
  readonly metadata: string;
  readonly state: ConnectionStateValue;
  readonly localParticipant: LocalParticipant;
  /** By identity; a copy. */
  readonly remoteParticipants: Map<string, RemoteParticipant>;
  readonly activeSpeakers: Participant[];
  connect(url: string, token: string): Promise<this>;
  disconnect(): Promise<void>;
  /** runConnectionCheck() with this room's server and token. */
  runConnectionCheck(options?: ConnectionCheckOptions): Promise<ConnectionCheckReport>;
  getParticipantByIdentity(identity: string): Participant | undefined;
  /** Only hosts and guests a host admitted may join. */
  readonly isLocked: boolean;
  /** Guests with the link wait in a lobby until a host admits them. */
  readonly hasLobby: boolean;
  /** Hosts only: who waits in the lobby (a copy). */
  readonly lobby: LobbyGuest[];
  // Host actions: reject with ConferError 'permission_denied' unless we are a host; the server checks too.
  admit(guestId: string): Promise<void>;
  deny(guestId: string): Promise<void>;
  setLocked(locked: boolean): Promise<void>;
  /** Everyone is disconnected with reason 'roomDeleted'. */
  endMeeting(): Promise<void>;
}

/** ParticipantInfo.permission: a participant's grant as the server enforces it. */
export interface ParticipantPermission {
  canPublish: boolean;
  canSubscribe: boolean;
  canPublishData: boolean;
  /** Empty: every source. */
  canPublishSources: readonly string[];
  canUpdateMetadata: boolean;
  hidden: boolean;
}

export declare class Participant extends Emitter {
  readonly sid: string;
  readonly identity: string;
  readonly name: string;
  readonly metadata: string;
  readonly joinedAt: Date;
  /** What the participant's token allows; the server enforces it. */
  readonly permissions: Readonly<ParticipantPermission>;
  /** By track sid; a copy. */
  readonly trackPublications: Map<string, TrackPublication>;
  readonly isSpeaking: boolean;
  readonly audioLevel: number;
  readonly isLocal: boolean;
  readonly isCameraEnabled: boolean;
  readonly isMicrophoneEnabled: boolean;
  readonly isScreenShareEnabled: boolean;
  /** A host of the meeting (may admit, mute, remove, lock and end). */
  readonly isHost: boolean;
  getTrackPublication(source: TrackSourceValue | string): TrackPublication | undefined;
}

export declare class LocalParticipant extends Participant {
  readonly trackPublications: Map<string, LocalTrackPublication>;
  getTrackPublication(source: TrackSourceValue | string): LocalTrackPublication | undefined;
  enableCameraAndMicrophone(options?: { video?: DeviceOptions; audio?: DeviceOptions }): Promise<void>;
  setCameraEnabled(enabled: boolean, options?: DeviceOptions): Promise<void>;
  setMicrophoneEnabled(enabled: boolean, options?: DeviceOptions): Promise<void>;
  setScreenShareEnabled(enabled: boolean, options?: DisplayMediaStreamOptions): Promise<void>;
  publishTrack(track: MediaStreamTrack, options?: { source?: TrackSourceValue; name?: string }): Promise<LocalTrackPublication>;
  unpublishTrack(publication: LocalTrackPublication): Promise<void>;
  publishData(data: Uint8Array | string, options?: { destinationIdentities?: string[]; reliable?: boolean; topic?: string }): Promise<void>;
  sendChatMessage(text: string): Promise<void>;
}

export declare class RemoteParticipant extends Participant {
  readonly trackPublications: Map<string, RemoteTrackPublication>;
  getTrackPublication(source: TrackSourceValue | string): RemoteTrackPublication | undefined;
  /** Refreshed about twice a second; undefined until first measured. */
  readonly connectionStats: ConnectionStats | undefined;
  readonly connectionState: RTCPeerConnectionState;
  getStats(): Promise<RTCStatsReport | null>;
  // Host actions (we must be a host): the server refuses them otherwise.
  /** Mutes their microphone (or the track given); only they can unmute. */
  mute(trackSid?: string): Promise<void>;
  /** They get `unmuteRequested` and decide. */
  askToUnmute(trackSid?: string): Promise<void>;
  /** A camera is turned off; a screen share ends for everyone. */
  stopTrack(track: string | TrackPublication): Promise<void>;
  /** They leave (reason 'removed') and cannot come back with the same link unless a host admits them. */
  remove(): Promise<void>;
  makeHost(): Promise<void>;
}

export declare class Track extends Emitter {
  readonly kind: 'audio' | 'video';
  readonly source: TrackSourceValue;
  readonly mediaStreamTrack: MediaStreamTrack | null;
  readonly attachedElements: HTMLMediaElement[];
  readonly isLocal: boolean;
  /** A playing <video>/<audio> element, or the one passed in. */
  attach(element?: HTMLMediaElement): HTMLMediaElement;
  detach(element?: HTMLMediaElement): HTMLMediaElement[];
}
export declare class LocalTrack extends Track { stop(): void; }
export declare class RemoteTrack extends Track {
  readonly receiver: RTCRtpReceiver | null;
  getStats(): Promise<RTCStatsReport | null>;
}

export declare class TrackPublication {
  readonly trackSid: string;
  readonly kind: 'audio' | 'video';
  readonly source: TrackSourceValue;
  readonly trackName: string;
  readonly isMuted: boolean;
  readonly isSubscribed: boolean;
  readonly track: Track | undefined;
}
export declare class LocalTrackPublication extends TrackPublication { readonly track: LocalTrack; }
export declare class RemoteTrackPublication extends TrackPublication { readonly track: RemoteTrack | undefined; }
