namespace Confer.Signaling.Protocol;

// Bodies of the HTTP server API (docs/protocol.md, "Server API").

public sealed record ApiRoomList(IReadOnlyList<RoomInfo> Rooms);
public sealed record ApiParticipantList(IReadOnlyList<ParticipantInfo> Participants);
public sealed record ApiCreateRoom(string? Name, int? MaxParticipants, int? EmptyTimeout, string? Metadata);
public sealed record ApiMuteTrack(string? TrackSid, bool Muted);
public sealed record ApiSendData(string? Payload, string? Encoding, string? Topic, List<string>? DestinationIdentities);
public sealed record ApiError(string Error);
public sealed record ApiTokenRequest(string? Room, string? Name);
public sealed record ApiTokenResponse(string Token, string Identity, string Url);

/// <summary><c>GET /rtc/ice-servers</c>: the STUN/TURN servers a join would get, for a connection check without joining.</summary>
public sealed record ApiIceServers(IReadOnlyList<IceServer> IceServers);
