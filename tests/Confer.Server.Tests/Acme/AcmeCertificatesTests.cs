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

    [Theory]
    [InlineData(new[] { "acme-tls/1" }, true)]
    [InlineData(new[] { "h2", "http/1.1" }, false)]
    [InlineData(new[] { "h2", "acme-tls/1" }, true)]
    public async Task ClientHelloAlpn_RealClientHello_FindsAcmeTls1OnlyWhenOffered(string[] protocols, bool expected)
    {
        byte[] hello = await CaptureClientHelloAsync(protocols);
        Assert.Equal(ClientHelloAlpn.Result.Done, ClientHelloAlpn.TryRead(new ReadOnlySequence<byte>(hello), out bool offers));
        Assert.Equal(expected, offers);
        for (int n = 0; n < hello.Length; n++) // every truncation asks for more, never throws
            Assert.Equal(ClientHelloAlpn.Result.NeedMore, ClientHelloAlpn.TryRead(new ReadOnlySequence<byte>(hello, 0, Math.Min(n, 5 + ((hello[3] << 8) | hello[4]) - 1)), out _));
        var rng = new Random(7);
        for (int i = 0; i < 2000; i++) // mutated ClientHellos never throw
        {
            var mutated = (byte[])hello.Clone();
            mutated[5 + rng.Next(mutated.Length - 5)] = (byte)rng.Next(256);
            ClientHelloAlpn.TryRead(new ReadOnlySequence<byte>(mutated), out _);
        }
        Assert.Equal(ClientHelloAlpn.Result.NotClientHello, ClientHelloAlpn.TryRead(new ReadOnlySequence<byte>("GET / HTTP/1.1\r\n"u8.ToArray()), out _));
    }

    private static async Task<byte[]> CaptureClientHelloAsync(string[] protocols)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var server = await listener.AcceptTcpClientAsync();
        var ssl = new SslStream(client.GetStream());
        var handshake = ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "meet.example.org",
            ApplicationProtocols = protocols.Select(p => new SslApplicationProtocol(p)).ToList(),
        });
        var stream = server.GetStream();
        var bytes = new List<byte>();
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (bytes.Count < 5 || bytes.Count < 5 + ((bytes[3] << 8) | bytes[4]))
        {
            int n = await stream.ReadAsync(buffer, cts.Token);
            if (n == 0) break;
            bytes.AddRange(buffer.AsSpan(0, n));
        }
        server.Close();
        await Assert.ThrowsAnyAsync<Exception>(() => handshake);
        return bytes.Take(5 + ((bytes[3] << 8) | bytes[4])).ToArray();
    }
}
