namespace Confer.Signaling.Auth;

/// <summary>A validated access token: who, for which room, with which rights, until when.</summary>
public sealed record AccessToken(
    string ApiKey,
    string? Identity,
    string? Name,
    string? Metadata,
    DateTimeOffset? NotBefore,
    DateTimeOffset Expires,
    VideoGrant Video)
{
    /// <summary>
    /// What tells this token from every other (its signature; null for tokens made in code): a participant removed
    /// by the server API cannot join again with the same token (<c>jti</c> cannot serve, LiveKit's SDKs put the identity there).
    /// </summary>
    public string? TokenId { get; init; }
}
