using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confer.Server.Acme;

namespace Confer.Server.Tests.Acme;

/// <summary>ES256 JWS for ACME, checked with the key and signature of RFC 7515 Appendix A.3.</summary>
public sealed class AcmeJwsTests
{
    // RFC 7515 A.3 (ECDSA P-256 SHA-256): the public key, and the signature over "eyJhbGciOiJFUzI1NiJ9.<A.1 payload>".
    private const string X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    private const string Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
    private const string A3Input = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
    private const string A3Signature = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

    private static ECDsa RfcKey() => ECDsa.Create(new ECParameters
    {
        Curve = ECCurve.NamedCurves.nistP256,
        Q = new ECPoint { X = Base64Url.DecodeFromChars(X), Y = Base64Url.DecodeFromChars(Y) },
    });

    private static bool Verifies(string signingInput, string signature, ECDsa? key = null) =>
        (key ?? RfcKey()).VerifyData(Encoding.ASCII.GetBytes(signingInput), Base64Url.DecodeFromChars(signature),
            HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    [Fact]
    public void Rfc7515A3_TheRfcSignature_VerifiesTheWayAcmeSignaturesAreChecked() => Assert.True(Verifies(A3Input, A3Signature));

    [Fact]
    public void Jwk_IsTheRfc7638CanonicalForm_AndThumbprintItsSha256()
    {
        var jws = new AcmeJws(RfcKey());
        Assert.Equal($"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{X}\",\"y\":\"{Y}\"}}", jws.Jwk);
        Assert.Equal("oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U", jws.Thumbprint); // SHA-256 computed apart (Python hashlib)
        Assert.Equal("tok-en_1.oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U", jws.KeyAuthorization("tok-en_1"));
    }

    [Fact]
    public void Sign_NewAccount_CarriesJwkNonceUrl_AndAnR_SSignatureThatVerifies()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var jws = new AcmeJws(key);
        string x = Base64Url.EncodeToString(key.ExportParameters(false).Q.X);
        var body = JsonDocument.Parse(jws.Sign("https://ca.example/new-acct", "nonce-1", new JsonObject { ["termsOfServiceAgreed"] = true })).RootElement;
        string p = body.GetProperty("protected").GetString()!, payload = body.GetProperty("payload").GetString()!;
        var header = JsonDocument.Parse(Base64Url.DecodeFromChars(p)).RootElement;
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        Assert.Equal("nonce-1", header.GetProperty("nonce").GetString());
        Assert.Equal("https://ca.example/new-acct", header.GetProperty("url").GetString());
        Assert.Equal(x, header.GetProperty("jwk").GetProperty("x").GetString());
        Assert.False(header.TryGetProperty("kid", out _));
        Assert.Equal("{\"termsOfServiceAgreed\":true}", Encoding.UTF8.GetString(Base64Url.DecodeFromChars(payload)));
        string signature = body.GetProperty("signature").GetString()!;
        Assert.Equal(64, Base64Url.DecodeFromChars(signature).Length);
        Assert.True(Verifies(p + "." + payload, signature, key));
        Assert.False(Verifies(p + "." + payload + "A", signature, key));
    }

    [Fact]
    public void Sign_AfterAccount_UsesKid_AndPostAsGetHasEmptyPayload()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var jws = new AcmeJws(key) { KeyId = "https://ca.example/acct/7" };
        var body = JsonDocument.Parse(jws.Sign("https://ca.example/order/1", "n2", null)).RootElement;
        var header = JsonDocument.Parse(Base64Url.DecodeFromChars(body.GetProperty("protected").GetString()!)).RootElement;
        Assert.Equal("https://ca.example/acct/7", header.GetProperty("kid").GetString());
        Assert.False(header.TryGetProperty("jwk", out _));
        Assert.Equal("", body.GetProperty("payload").GetString());
        Assert.True(Verifies(body.GetProperty("protected").GetString() + ".", body.GetProperty("signature").GetString()!, key));
    }

    [Fact]
    public void Constructor_NotP256_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new AcmeJws(ECDsa.Create(ECCurve.NamedCurves.nistP384)));

    [Fact]
    public void FromProblem_Rfc8555Subproblems_OneSentenceNamingEachIdentifier()
    {
        // RFC 8555 §6.7.1's example problem document.
        const string body = """
            {"type": "urn:ietf:params:acme:error:malformed", "detail": "Some of the identifiers requested were rejected",
             "subproblems": [
               {"type": "urn:ietf:params:acme:error:malformed", "detail": "Invalid underscore in DNS name \"_example.org\"",
                "identifier": {"type": "dns", "value": "_example.org"}},
               {"type": "urn:ietf:params:acme:error:rejectedIdentifier", "detail": "This CA will not issue for \"example.net\"",
                "identifier": {"type": "dns", "value": "example.net"}}]}
            """;
        var e = AcmeException.FromProblem("Ordering a certificate", 400, body);
        Assert.Equal("Ordering a certificate failed: Some of the identifiers requested were rejected (malformed, HTTP 400); "
            + "_example.org: Invalid underscore in DNS name \"_example.org\"; example.net: This CA will not issue for \"example.net\".", e.Message);
        Assert.Equal("urn:ietf:params:acme:error:malformed", e.ProblemType);
        Assert.False(e.IsBadNonce);
        Assert.True(AcmeException.FromProblem("x", 400, """{"type":"urn:ietf:params:acme:error:badNonce"}""").IsBadNonce);
    }

    [Fact]
    public void FromProblem_NotAProblemDocument_QuotesTheAnswerOnOneLine()
    {
        var e = AcmeException.FromProblem("Reading the ACME directory", 502, "<html>\n<body>Bad gateway</body>\n</html>");
        Assert.Equal("Reading the ACME directory failed: the ACME server answered HTTP 502 \"<html> <body>Bad gateway</body> </html>\".", e.Message);
    }
}
