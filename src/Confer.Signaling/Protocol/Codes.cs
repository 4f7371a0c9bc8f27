namespace Confer.Signaling.Protocol;

/// <summary><c>error.code</c> values (docs/protocol.md, "Error codes").</summary>
public static class ErrorCodes
{
    public const string InvalidJson = "invalid_json";
    public const string UnknownType = "unknown_type";
    public const string UnsupportedVersion = "unsupported_version";
    public const string InvalidMessage = "invalid_message";
    public const string UnknownParticipant = "unknown_participant";
    public const string UnknownTrack = "unknown_track";
    public const string PermissionDenied = "permission_denied";
    public const string LimitExceeded = "limit_exceeded";
    public const string SdpRefused = "sdp_refused";
}

/// <summary>WebSocket close codes (docs/protocol.md, "Close codes").</summary>
public static class CloseCodes
{
    public const int Normal = 1000, GoingAway = 1001, TooBig = 1009;
    public const int InvalidToken = 4001, PermissionDenied = 4003, RoomFull = 4004, Replaced = 4005, Removed = 4006;
    public const int RoomDeleted = 4007, ResumeFailed = 4008, RateLimited = 4009, PingTimeout = 4010;
    public const int SlowConsumer = 4011, TooManyErrors = 4012;

    /// <summary>RFC 6455 registry: the server is restarting (after a <c>reconnect</c> frame); try again later (a join refused while draining).</summary>
    public const int ServiceRestart = 1012, TryAgainLater = 1013;
}

/// <summary><c>reconnect.reason</c> values.</summary>
public static class ReconnectReasons
{
    public const string ServerRestart = "serverRestart";
}

/// <summary><c>participantLeft.reason</c> values.</summary>
public static class LeaveReasons
{
    public const string Left = "left", Disconnected = "disconnected", Removed = "removed", Replaced = "replaced";
    public const string RoomDeleted = "roomDeleted", PingTimeout = "pingTimeout", Kicked = "kicked";
}

public static class TrackKinds
{
    public static bool IsValid(string? kind) => kind is "audio" or "video";
}

public static class TrackSources
{
    public static bool IsValid(string? source) => source is "camera" or "microphone" or "screen_share" or "screen_share_audio";

    /// <summary>The kind a source's track has: camera and screen_share are video, microphone and screen_share_audio audio.</summary>
    public static string? KindOf(string? source) => source switch
    {
        "camera" or "screen_share" => "video",
        "microphone" or "screen_share_audio" => "audio",
        _ => null,
    };
}
