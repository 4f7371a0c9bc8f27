using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Confer.Signaling.Auth;

/// <summary>Outcome of validating an access token: the token, or a one-line reason it was refused.</summary>
public readonly record struct TokenValidation(AccessToken? Token, string? Error)
{
    public bool IsValid => Token is not null;
}

/// <summary>
/// Validates HS256 access tokens against the configured API keys with Microsoft.IdentityModel:
/// signature, algorithm and issuer by the library; <c>nbf</c>/<c>exp</c> here against the injected
/// <see cref="TimeProvider"/> with 10 s of skew.
/// </summary>
public sealed class AccessTokenValidator(ApiKeys keys, TimeProvider time)
{
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(10);
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TokenValidationParameters> _parameters = new(StringComparer.Ordinal);

    public async Task<TokenValidation> ValidateAsync(string? jwt)
    {
        if (string.IsNullOrWhiteSpace(jwt)) return new(null, "no access token");
        if (jwt.Length > 8192) return new(null, "token too long");
        JsonWebToken parsed;
        try { parsed = new JsonWebToken(jwt); }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException) { return new(null, "malformed token"); }

        string issuer;
        try { issuer = parsed.Issuer; }
        catch (Exception e) when (e is ArgumentException or JsonException) { return new(null, "malformed token"); }
        if (!keys.TryGetSecret(issuer, out var secret)) return new(null, "unknown API key");

        var parameters = _parameters.GetOrAdd(issuer, static (issuer, secret) => Parameters(issuer, secret), secret);
        var result = await _handler.ValidateTokenAsync(parsed, parameters).ConfigureAwait(false);
        if (!result.IsValid) return new(null, Describe(result.Exception));

        TokenClaims? claims;
        try { claims = JsonSerializer.Deserialize(Base64UrlEncoder.DecodeBytes(parsed.EncodedPayload), AuthJsonContext.Default.TokenClaims); }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException) { return new(null, "malformed token claims"); }
        if (claims?.Expires is not { } exp) return new(null, "token has no exp");
        var now = time.GetUtcNow();
        if (DateTimeOffset.FromUnixTimeSeconds(exp) + ClockSkew <= now) return new(null, "token expired");
        if (claims.NotBefore is { } notBefore && DateTimeOffset.FromUnixTimeSeconds(notBefore) - ClockSkew > now)
            return new(null, "token not yet valid");
        return new(new AccessToken(
            issuer,
            string.IsNullOrEmpty(claims.Subject) ? null : claims.Subject,
            claims.Name,
            claims.Metadata,
            claims.NotBefore is { } nbf ? DateTimeOffset.FromUnixTimeSeconds(nbf) : null,
            DateTimeOffset.FromUnixTimeSeconds(exp),
            claims.Video ?? new VideoGrant()) { TokenId = parsed.EncodedSignature }, null);
    }

    private static TokenValidationParameters Parameters(string issuer, string secret) => new()
    {
        ValidateIssuer = true,
        ValidIssuer = issuer,
        ValidateAudience = false,
        IssuerSigningKey = new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(secret)) { CryptoProviderFactory = HmacSha256Provider.Factory },
        ValidateIssuerSigningKey = false,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RequireSignedTokens = true,
        // Lifetime is checked below against the injected clock, which the library cannot read.
        RequireExpirationTime = false,
        ValidateLifetime = false,
        CryptoProviderFactory = HmacSha256Provider.Factory,
    };

    private static string Describe(Exception? e) => e switch
    {
        SecurityTokenExpiredException => "token expired",
        SecurityTokenNotYetValidException => "token not yet valid",
        SecurityTokenNoExpirationException => "token has no exp",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "signature does not match",
        SecurityTokenInvalidAlgorithmException => "token must be signed with HS256",
        SecurityTokenInvalidIssuerException => "unknown API key",
        _ => "token refused",
    };
}
