using System.Text.Json.Serialization;

namespace Confer.Signaling.Auth;

/// <summary>The JWT payload of an access token, as LiveKit's server SDKs write it.</summary>
internal sealed class TokenClaims
{
    [JsonPropertyName("iss")] public string? Issuer { get; set; }
    [JsonPropertyName("sub")] public string? Subject { get; set; }
    [JsonPropertyName("jti")] public string? Id { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("metadata")] public string? Metadata { get; set; }
    [JsonPropertyName("nbf")] public long? NotBefore { get; set; }
    [JsonPropertyName("exp")] public long? Expires { get; set; }
    [JsonPropertyName("video")] public VideoGrant? Video { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TokenClaims))]
internal sealed partial class AuthJsonContext : JsonSerializerContext;
