using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CsCheck;
using Confer.Sfu.Dtls;

namespace Confer.Sfu.Tests.Dtls;

public sealed class DtlsFingerprintTests
{
    // SHA-256("abc") (FIPS 180-2 appendix B.1) as an SDP fingerprint.
    private const string AbcSha256 = "sha-256 BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD";

    [Fact]
    public void FromCertificate_KnownInput_FormatsUpperCaseColonHex()
    {
        var fingerprint = DtlsFingerprint.FromCertificate("abc"u8);
        Assert.Equal(AbcSha256, fingerprint.ToString());
    }

    [Theory]
    [InlineData(AbcSha256)]
    [InlineData("SHA-256 ba:78:16:bf:8f:01:cf:ea:41:41:40:de:5d:ae:22:23:b0:03:61:a3:96:17:7a:9c:b4:10:ff:61:f2:00:15:ad")]
    [InlineData("  sha-256   BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD \r\n")]
    public void TryParse_ValidForms_RoundTripsToCanonical(string text)
    {
        Assert.True(DtlsFingerprint.TryParse(text, out var fingerprint, out var error));
        Assert.Equal(DtlsFingerprintError.None, error);
        Assert.Equal(DtlsHashFunction.Sha256, fingerprint.HashFunction);
        Assert.Equal(AbcSha256, fingerprint.ToString());
        Assert.True(fingerprint.MatchesCertificate("abc"u8));
    }

    [Theory]
    [InlineData("", (int)DtlsFingerprintError.Empty)]
    [InlineData("sha-256", (int)DtlsFingerprintError.MissingSeparator)]
    [InlineData("md5 00:11", (int)DtlsFingerprintError.UnsupportedHashFunction)]
    [InlineData("sha-224 00:11", (int)DtlsFingerprintError.UnsupportedHashFunction)]
    [InlineData("sha-256 BA:78", (int)DtlsFingerprintError.WrongLength)]
    [InlineData("sha-256 BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:ZZ", (int)DtlsFingerprintError.BadHex)]
    [InlineData("sha-256 BA-78-16-BF-8F-01-CF-EA-41-41-40-DE-5D-AE-22-23-B0-03-61-A3-96-17-7A-9C-B4-10-FF-61-F2-00-15-AD", (int)DtlsFingerprintError.BadHex)]
    [InlineData("sha-256 BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD:00", (int)DtlsFingerprintError.WrongLength)]
    public void TryParse_Malformed_ReturnsError(string text, int expectedError)
    {
        Assert.False(DtlsFingerprint.TryParse(text, out var fingerprint, out var error));
        Assert.Null(fingerprint);
        Assert.Equal((DtlsFingerprintError)expectedError, error);
    }

    [Theory]
    [InlineData((int)DtlsHashFunction.Sha1, "sha-1")]
    [InlineData((int)DtlsHashFunction.Sha256, "sha-256")]
    [InlineData((int)DtlsHashFunction.Sha384, "sha-384")]
    [InlineData((int)DtlsHashFunction.Sha512, "sha-512")]
    public void FromCertificate_EachHashFunction_ParsesBackAndMatches(int hashFunction, string name)
    {
        var der = TestCertificates.Client.Der;
        var fingerprint = DtlsFingerprint.FromCertificate(der, (DtlsHashFunction)hashFunction);
        string text = fingerprint.ToString();
        Assert.StartsWith(name + " ", text, StringComparison.Ordinal);
        Assert.True(DtlsFingerprint.TryParse(text, out var parsed, out _));
        Assert.True(parsed.Matches(fingerprint));
        Assert.True(parsed.MatchesCertificate(der));
        Assert.False(parsed.MatchesCertificate(TestCertificates.Server.Der));
    }

    [Fact]
    public void Matches_SameBytesDifferentFunction_False()
    {
        var a = DtlsFingerprint.FromHash(DtlsHashFunction.Sha256, new byte[32]);
        Assert.False(a.Matches(DtlsFingerprint.FromHash(DtlsHashFunction.Sha256, Enumerable.Repeat((byte)1, 32).ToArray())));
        Assert.True(a.Matches(DtlsFingerprint.FromHash(DtlsHashFunction.Sha256, new byte[32])));
        Assert.Throws<ArgumentException>(() => DtlsFingerprint.FromHash(DtlsHashFunction.Sha1, new byte[32]));
    }

    [Fact]
    public async Task ToString_ServerCertificate_EqualsOpenSslFingerprint()
    {
        string path = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(path, TestCertificates.Server.Der.ToArray());
            using var openssl = OpenSslDtlsInteropTests.Start("openssl", "x509", "-inform", "DER", "-in", path, "-noout", "-fingerprint", "-sha256");
            string text = await openssl.StandardOutput.ReadToEndAsync();
            await openssl.WaitForExitAsync();
            // OpenSSL 3 prints "sha256 Fingerprint=AB:CD:…".
            string hex = text.Trim().Split('=')[1];
            Assert.Equal("sha-256 " + hex, TestCertificates.Server.Fingerprint.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TryParse_RandomAndMutatedText_NeverThrows()
    {
        var mutated = Gen.Int[0, AbcSha256.Length - 1].SelectMany(i => Gen.Char.Select(c => AbcSha256[..i] + c + AbcSha256[(i + 1)..]));
        Gen.OneOf(Gen.String, mutated, Gen.String[Gen.Char["0123456789ABCDEFabcdef: -sha"], 0, 120]).Sample(text =>
        {
            if (DtlsFingerprint.TryParse(text, out var fingerprint, out var error))
            {
                Assert.Equal(DtlsFingerprintError.None, error);
                Assert.True(DtlsFingerprint.TryParse(fingerprint.ToString(), out var again, out _) && again.Matches(fingerprint));
            }
            else
            {
                Assert.NotEqual(DtlsFingerprintError.None, error);
            }
        }, iter: 20_000);
    }

    [Fact]
    public void Certificate_Generate_IsSelfSignedP256WithSha256Fingerprint()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var certificate = DtlsCertificate.Generate(time);
        using var x509 = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(certificate.Der);
        using var key = x509.GetECDsaPublicKey();
        Assert.NotNull(key);
        Assert.Equal(256, key.KeySize);
        Assert.Equal(x509.SubjectName.Name, x509.IssuerName.Name);
        Assert.Equal(certificate.NotAfter, new DateTimeOffset(2026, 1, 31, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(certificate.Der)), Convert.ToHexString(certificate.Fingerprint.Value));
    }
}
