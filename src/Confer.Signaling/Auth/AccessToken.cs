namespace Confer.Signaling.Auth;

/// <summary>A validated access token: who, for which room, with which rights, until when.</summary>
public sealed record AccessToken(
    string ApiKey,
    string? Identity,
    string? Name,
    string? Metadata,
    DateTimeOffset? NotBefore,
    DateTimeOffset Expires,
    VideoGrant Video);
