using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Confer.Server.Acme;

namespace Confer.Server.Tests.Acme;

/// <summary>
/// Confer's HTTPS listener (<see cref="Confer.Server.Tls.HttpsHosting"/>): while a TLS-ALPN-01 challenge is pending, only a
/// handshake offering "acme-tls/1" gets the challenge certificate; a browser asking for the same name gets the real one,
/// and "acme-tls/1" without a pending challenge is refused.
/// </summary>
public sealed class AcmeHostingTests
{
    [Fact]
    public async Task PendingChallenge_OnlyAcmeTls1HandshakesGetIt_OthersGetTheCurrentCertificate()
    {
        await using var host = await AcmeTestHost.StartAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var current = new CertificateRequest("CN=meet.example.org", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        host.Certificates.Install(X509CertificateLoader.LoadPkcs12(current.Export(X509ContentType.Pkcs12), null));
        using var challenge = AcmeCertificates.TlsAlpnChallenge("meet.example.org", "token.thumbprint", TimeProvider.System);
        host.Certificates.AddAlpnChallenge("meet.example.org", challenge);

        var (browserSees, browserAlpn) = await HandshakeAsync(host.TlsPort, "meet.example.org", "http/1.1");
        Assert.Equal(current.Thumbprint, browserSees.Thumbprint);
        Assert.Equal("http/1.1", browserAlpn);

        var (caSees, caAlpn) = await HandshakeAsync(host.TlsPort, "meet.example.org", "acme-tls/1");
        Assert.Equal(challenge.Thumbprint, caSees.Thumbprint);
        Assert.Equal("acme-tls/1", caAlpn);

        // No challenge for that name, or no longer: "acme-tls/1" alone is refused (RFC 7301 §3.2, no common protocol).
        await Assert.ThrowsAsync<System.Security.Authentication.AuthenticationException>(() => HandshakeAsync(host.TlsPort, "other.example.org", "acme-tls/1"));
        host.Certificates.RemoveAlpnChallenge("meet.example.org");
        await Assert.ThrowsAsync<System.Security.Authentication.AuthenticationException>(() => HandshakeAsync(host.TlsPort, "meet.example.org", "acme-tls/1"));
        var (after, _) = await HandshakeAsync(host.TlsPort, "meet.example.org", "http/1.1");
        Assert.Equal(current.Thumbprint, after.Thumbprint);
    }

    private static async Task<(X509Certificate2 Served, string Alpn)> HandshakeAsync(int port, string host, string protocol)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        X509Certificate2? served = null;
        await using var ssl = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            served = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
            return true;
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            ApplicationProtocols = [new SslApplicationProtocol(protocol)],
        }, cts.Token);
        return (served!, ssl.NegotiatedApplicationProtocol.ToString());
    }
}
