namespace Confer.Signaling.Protocol;

public sealed record RoomInfo(
    string Sid, string Name, string? Metadata, int MaxParticipants, int EmptyTimeout, long CreationTime, int NumParticipants);

public sealed record PermissionInfo(
    bool CanPublish, bool CanSubscribe, bool CanPublishData, string[] CanPublishSources, bool CanUpdateMetadata, bool Hidden);

public sealed record ParticipantInfo(
    string Sid, string Identity, string? Name, string? Metadata, long JoinedAt,
    PermissionInfo Permission, IReadOnlyList<TrackInfo> Tracks);

public sealed record TrackInfo(
    string Sid, string? Cid, string Kind, string Source, string? Name, bool Muted, int? Width, int? Height);

/// <summary>An entry of <c>iceServers</c>, shaped like the browser's <c>RTCIceServer</c>.</summary>
public sealed record IceServer(IReadOnlyList<string> Urls, string? Username = null, string? Credential = null);

/// <summary>The browser's <c>RTCIceCandidateInit</c>.</summary>
public sealed record IceCandidate(string? Candidate, string? SdpMid, int? SdpMLineIndex, string? UsernameFragment);
