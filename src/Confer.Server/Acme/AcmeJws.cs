using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Confer.Server.Acme;

/// <summary>
/// Signs ACME requests as flattened JWS objects with ES256 (RFC 8555 §6.2, RFC 7515 §7.2.2, RFC 7518 §3.4): the
/// protected header carries "alg", "nonce", "url" and either the account's public key ("jwk", for newAccount) or
/// its URL ("kid", for everything after). The signature is the raw 64-byte r||s, not DER.
/// </summary>
internal sealed class AcmeJws
{
    private readonly ECDsa _key;

    public AcmeJws(ECDsa key)
    {
        if (key.KeySize != 256) throw new ArgumentException("The ACME account key must be ECDSA P-256.", nameof(key));
        _key = key;
        var p = key.ExportParameters(includePrivateParameters: false);
        Jwk = Canonical(p);
        Thumbprint = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(Jwk)));
    }

    /// <summary>The account URL ("kid") once the account exists; until then requests carry <see cref="Jwk"/>.</summary>
    public string? KeyId { get; set; }

    /// <summary>
    /// The public key as a JWK with only its required members in lexicographic order and no whitespace: the exact
    /// input of the RFC 7638 §3 thumbprint.
    /// </summary>
    public string Jwk { get; }

    /// <summary>base64url(SHA-256(<see cref="Jwk"/>)), the RFC 7638 thumbprint used in key authorizations.</summary>
    public string Thumbprint { get; }

    /// <summary>RFC 8555 §8.1: keyAuthorization = token || '.' || base64url(Thumbprint(accountKey)).</summary>
    public string KeyAuthorization(string token) => token + "." + Thumbprint;

    /// <summary>
    /// The JWS for a POST to <paramref name="url"/>. A null <paramref name="payload"/> is a POST-as-GET (RFC 8555 §6.3:
    /// the payload is the empty string). <paramref name="forceJwk"/> sends the key even when <see cref="KeyId"/> is set.
    /// </summary>
    public byte[] Sign(string url, string nonce, JsonNode? payload, bool forceJwk = false)
    {
        var header = new JsonObject { ["alg"] = "ES256" };
        if (KeyId is null || forceJwk) header["jwk"] = JsonNode.Parse(Jwk);
        else header["kid"] = KeyId;
        header["nonce"] = nonce;
        header["url"] = url;
        string protectedB64 = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString()));
        string payloadB64 = payload is null ? "" : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        byte[] signature = _key.SignData(Encoding.ASCII.GetBytes(protectedB64 + "." + payloadB64), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var jws = new JsonObject
        {
            ["protected"] = protectedB64,
            ["payload"] = payloadB64,
            ["signature"] = Base64Url.EncodeToString(signature),
        };
        return Encoding.UTF8.GetBytes(jws.ToJsonString());
    }

    /// <summary>RFC 7638 §3.2 and RFC 7518 §6.2.1: crv, kty, x, y; coordinates padded to the curve's 32 bytes.</summary>
    internal static string Canonical(ECParameters p) =>
        $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{Base64Url.EncodeToString(p.Q.X)}\",\"y\":\"{Base64Url.EncodeToString(p.Q.Y)}\"}}";
}
