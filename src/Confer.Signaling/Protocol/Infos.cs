namespace Confer.Signaling.Protocol;

public sealed record RoomInfo(
    string Sid, string Name, string? Metadata, int MaxParticipants, int EmptyTimeout, long CreationTime, int NumParticipants)
{
    /// <summary>True while a host has locked the room: only hosts (and guests a host admitted) may join.</summary>
    public bool? Locked { get; init; }

    /// <summary>True when guests who come through the meeting link wait in the lobby until a host admits them.</summary>
    public bool? Lobby { get; init; }
}

public sealed record PermissionInfo(
    bool CanPublish, bool CanSubscribe, bool CanPublishData, string[] CanPublishSources, bool CanUpdateMetadata, bool Hidden);

public sealed record ParticipantInfo(
    string Sid, string Identity, string? Name, string? Metadata, long JoinedAt,
    PermissionInfo Permission, IReadOnlyList<TrackInfo> Tracks)
{
    /// <summary>True for a host (a <c>roomAdmin</c> token for the room, or made host by one): it may moderate.</summary>
    public bool? Host { get; init; }
}

/// <summary>A guest waiting in the lobby, as hosts see it.</summary>
public sealed record LobbyGuestInfo(string Id, string Name, long Since);

public sealed record TrackInfo(
    string Sid, string? Cid, string Kind, string Source, string? Name, bool Muted, int? Width, int? Height);

/// <summary>An entry of <c>iceServers</c>, shaped like the browser's <c>RTCIceServer</c>.</summary>
public sealed record IceServer(IReadOnlyList<string> Urls, string? Username = null, string? Credential = null);

/// <summary>The browser's <c>RTCIceCandidateInit</c>.</summary>
public sealed record IceCandidate(string? Candidate, string? SdpMid, int? SdpMLineIndex, string? UsernameFragment);
