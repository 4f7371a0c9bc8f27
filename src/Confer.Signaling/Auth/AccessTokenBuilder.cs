using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Confer.Signaling.Auth;

/// <summary>Mints access tokens shaped like LiveKit's (HS256; iss, sub, jti, nbf, exp, name, metadata, video).</summary>
public static class AccessTokenBuilder
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(6);

    public static string Create(string apiKey, string apiSecret, string? identity, VideoGrant grant,
        DateTimeOffset now, TimeSpan ttl, string? name = null, string? metadata = null, string? tokenId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        ArgumentException.ThrowIfNullOrEmpty(apiSecret);
        if (ttl <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ttl), "The token lifetime must be positive.");
        var claims = new TokenClaims
        {
            Issuer = apiKey,
            Subject = identity,
            Id = tokenId ?? identity,
            Name = name,
            Metadata = metadata,
            NotBefore = now.ToUnixTimeSeconds(),
            Expires = (now + ttl).ToUnixTimeSeconds(),
            Video = grant,
        };
        var payload = JsonSerializer.Serialize(claims, AuthJsonContext.Default.TokenClaims);
        var key = new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(apiSecret)) { CryptoProviderFactory = HmacSha256Provider.Factory };
        var credentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256) { CryptoProviderFactory = HmacSha256Provider.Factory };
        return new JsonWebTokenHandler().CreateToken(payload, credentials);
    }
}
