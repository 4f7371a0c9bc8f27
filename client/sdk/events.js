// @ts-check
/**
 * Every event a Room emits, with the arguments its listeners receive. Frozen: these strings are
 * the public contract.
 */
export const RoomEvent = Object.freeze({
  /** (participant: RemoteParticipant) someone joined. */
  ParticipantConnected: 'participantConnected',
  /** (participant: RemoteParticipant, reason: string) someone left for good. */
  ParticipantDisconnected: 'participantDisconnected',
  /** (participant: RemoteParticipant) name or metadata changed. */
  ParticipantUpdated: 'participantUpdated',
  /** (track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant) media arrived. */
  TrackSubscribed: 'trackSubscribed',
  /** (track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant) media went away. */
  TrackUnsubscribed: 'trackUnsubscribed',
  /** (publication: TrackPublication, participant: Participant) a remote participant published a track (media may follow). */
  TrackPublished: 'trackPublished',
  /** (publication: TrackPublication, participant: Participant) a track was unpublished. */
  TrackUnpublished: 'trackUnpublished',
  /** (publication: TrackPublication, participant: Participant) local or remote track muted. */
  TrackMuted: 'trackMuted',
  /** (publication: TrackPublication, participant: Participant) local or remote track unmuted. */
  TrackUnmuted: 'trackUnmuted',
  /** (publication: LocalTrackPublication, participant: LocalParticipant) one of ours is published. */
  LocalTrackPublished: 'localTrackPublished',
  /** (publication: LocalTrackPublication, participant: LocalParticipant) one of ours is gone. */
  LocalTrackUnpublished: 'localTrackUnpublished',
  /** (speakers: Participant[]) the set of people talking changed, loudest first. */
  ActiveSpeakersChanged: 'activeSpeakersChanged',
  /** (payload: Uint8Array, participant: RemoteParticipant | undefined, topic: string | undefined) */
  DataReceived: 'dataReceived',
  /** (message: ChatMessage, participant: Participant | undefined) including our own, echoed by the server. */
  ChatMessage: 'chatMessage',
  /** (state: ConnectionState) */
  ConnectionStateChanged: 'connectionStateChanged',
  /**
   * (reason: 'connectionLost' | 'serverRestart') the signaling connection dropped, or the server is
   * restarting; the SDK resumes the session or joins the room again by itself, media going on meanwhile.
   */
  Reconnecting: 'reconnecting',
  /**
   * () back in the room: the session was resumed (nobody saw us leave), or joined again after the
   * server restarted or ended it (a new sid; our tracks are published again and media renegotiates).
   */
  Reconnected: 'reconnected',
  /** (reason: string) the room is over for us. */
  Disconnected: 'disconnected',
  /** (participant: RemoteParticipant, state: RTCPeerConnectionState) the media path to one person changed. */
  PeerConnectionStateChanged: 'peerConnectionStateChanged',
  /** (error: ConferError) a local device failed while publishing (e.g. the camera was unplugged). */
  MediaDevicesError: 'mediaDevicesError',
  /**
   * (error: ConferError) the server refused one of our frames: `error.code` is the server's code
   * (`sdp_refused`, `permission_denied`…; docs/protocol.md, "Error codes"). A refused publish
   * request rejects its promise instead.
   */
  ServerError: 'serverError',
  /**
   * (waiting: LobbyGuest[]) hosts only: the people waiting in the lobby changed (first come first); admit or deny them
   * with room.admit() / room.deny().
   */
  LobbyChanged: 'lobbyChanged',
  /** (room: Room) the room's settings changed: `isLocked`, `hasLobby`. */
  RoomUpdated: 'roomUpdated',
  /**
   * (request: UnmuteRequest) a host asks us to unmute (or turn on the camera). Nothing is turned on unless we do it:
   * show a prompt and call setMicrophoneEnabled(true) / setCameraEnabled(true) if the person agrees.
   */
  UnmuteRequested: 'unmuteRequested',
  /** (participant: Participant, isHost: boolean) someone (ourselves too) became a host. */
  HostChanged: 'hostChanged',
  /**
   * (publication: LocalTrackPublication, action: 'muted' | 'unpublished') a host (or the server API) turned off one of
   * our tracks; the SDK has already done it (the microphone muted, the camera off, the screen share stopped).
   */
  LocalTrackStoppedByHost: 'localTrackStoppedByHost',
});

/** Room.state values. */
export const ConnectionState = Object.freeze({
  Connecting: 'connecting',
  Connected: 'connected',
  Reconnecting: 'reconnecting',
  Disconnected: 'disconnected',
});

/** Track.source values; the same strings the signaling protocol uses. */
export const TrackSource = Object.freeze({
  Camera: 'camera',
  Microphone: 'microphone',
  ScreenShare: 'screen_share',
  ScreenShareAudio: 'screen_share_audio',
});
