using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Confer.Server.Webhooks;

/// <summary>
/// Signs a webhook body the way LiveKit's receivers check it: the <c>Authorization</c> header holds a JWT
/// (RFC 7519) signed with HS256 (RFC 7518 §3.2) by the API secret, whose <c>iss</c> is the API key and whose
/// <c>sha256</c> claim is the standard base64 of the body's SHA-256. <c>nbf</c> and <c>exp</c> bound it to
/// a few minutes around the attempt, so a captured request cannot be replayed for long.
/// </summary>
internal sealed class WebhookSigner(string apiKey, string apiSecret, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    // {"alg":"HS256","typ":"JWT"}, fixed (RFC 7515 §4.1.1, RFC 7519 §5.1).
    private static readonly string Header = Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT"}"""u8);

    private readonly byte[] _secret = Encoding.UTF8.GetBytes(apiSecret);

    public string ApiKey => apiKey;

    /// <summary>The JWT for <paramref name="body"/>, valid from now for <see cref="Lifetime"/>.</summary>
    public string Sign(ReadOnlySpan<byte> body)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var payload = new System.Buffers.ArrayBufferWriter<byte>(256);
        // Relaxed escaping: base64's "+" stays "+", not "\u002B" (both are valid JSON; the plain one is what others send).
        using (var json = new Utf8JsonWriter(payload, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("iss", apiKey);
            json.WriteNumber("nbf", now);
            json.WriteNumber("exp", now + (long)Lifetime.TotalSeconds);
            json.WriteString("sha256", Convert.ToBase64String(SHA256.HashData(body)));
            json.WriteEndObject();
        }
        var signingInput = Header + "." + Base64Url.EncodeToString(payload.WrittenSpan);
        var signature = HMACSHA256.HashData(_secret, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }
}
