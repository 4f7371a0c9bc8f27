using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Buffers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Confer.Server.Acme;

namespace Confer.Server.Tests.Acme;

/// <summary>The CSR, the RFC 8737 challenge certificate, the ClientHello ALPN reader and the renewal time.</summary>
public sealed class AcmeCertificatesTests
{
    [Fact]
    public void TlsAlpnChallenge_Rfc8737_CriticalAcmeIdentifierWithDerOctetStringOfSha256_AndOnlyTheDomain()
    {
        const string keyAuthorization = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
        using var certificate = AcmeCertificates.TlsAlpnChallenge("meet.example.org", keyAuthorization, TimeProvider.System);
        var extension = certificate.Extensions["1.3.6.1.5.5.7.1.31"];
        Assert.NotNull(extension);
        Assert.True(extension.Critical);
        byte[] expected = [0x04, 0x20, .. SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization))];
        Assert.Equal(expected, extension.RawData);
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["meet.example.org"], names.EnumerateDnsNames());
        Assert.True(certificate.HasPrivateKey);
        Assert.Equal(certificate.Subject, certificate.Issuer);
    }

    [Fact]
    public void SigningRequest_NamesEveryDomain_AndIsSignedByTheCertificateKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] der = AcmeCertificates.SigningRequest(["meet.example.org", "www.example.org"], key);
        var request = CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions); // checks the signature
        Assert.Equal("CN=meet.example.org", request.SubjectName.Name);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), request.PublicKey.ExportSubjectPublicKeyInfo());
        var names = request.CertificateExtensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["meet.example.org", "www.example.org"], names.EnumerateDnsNames());
        der[^5] ^= 1; // a flipped bit in the signature
        Assert.ThrowsAny<CryptographicException>(() => CertificateRequest.LoadSigningRequest(der, HashAlgorithmName.SHA256));
    }

    [Theory]
    [InlineData(90, 60)]     // Let's Encrypt: renew at day 60, 30 days before
    [InlineData(6, 4)]       // a six-day certificate: the last third, not 30 days (which would renew at once)
    [InlineData(1826, 1796)] // Pebble's five years: 30 days before
    public void RenewAt_ThirtyDaysOrTheLastThird(int lifetimeDays, int renewDay)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var certificate = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256).CreateSelfSigned(start, start.AddDays(lifetimeDays));
        Assert.Equal(start.AddDays(renewDay), AcmeCertificateService.RenewAt(certificate));
    }

}
