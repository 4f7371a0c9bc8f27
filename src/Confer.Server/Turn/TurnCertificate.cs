using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Confer.Server.Turn;

/// <summary>The certificate for TURN over TLS: PEM files, or a self-signed one made at start in --dev; and the handshake that uses it.</summary>
internal static class TurnCertificate
{
    /// <summary>The ALPN protocol id of TURN over TLS, and of STUN over TLS (RFC 7443 §6: "stun.turn" and "stun.nat-discovery").</summary>
    public static readonly SslApplicationProtocol StunTurn = new("stun.turn");

    /// <inheritdoc cref="StunTurn"/>
    public static readonly SslApplicationProtocol StunNatDiscovery = new("stun.nat-discovery");

    /// <summary>
    /// The TLS handshake of the TURN/TLS port. Kestrel's default offers HTTP's ALPN ids (h2, http/1.1) only, so a client
    /// offering "stun.turn" (RFC 7443) met a "no application protocol" alert; this server speaks TURN there and says so.
    /// A client offering no ALPN at all still gets a handshake without it (RFC 7301 §3.2); one offering only other
    /// protocols (h2) is refused, as RFC 7301 §3.2 asks. A handshake not done within <paramref name="timeout"/> is
    /// abandoned and the connection closed (Transport:HandshakeTimeout; the connection guard watches the same time).
    /// </summary>
    public static TlsHandshakeCallbackOptions Handshake(X509Certificate2 certificate, TimeSpan timeout)
    {
        var context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null);
        return new TlsHandshakeCallbackOptions
        {
            HandshakeTimeout = timeout,
            OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = context,
                ApplicationProtocols = [StunTurn, StunNatDiscovery],
            }),
        };
    }

    public static X509Certificate2? Load(string? certPath, string? keyPath, bool dev, IPAddress bind)
    {
        if (certPath is not null && keyPath is not null) return X509Certificate2.CreateFromPemFile(certPath, keyPath);
        return dev ? SelfSigned(bind) : null;
    }

    private static X509Certificate2 SelfSigned(IPAddress bind)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=confer-dev", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        if (!bind.Equals(IPAddress.Any) && !bind.Equals(IPAddress.IPv6Any) && !IPAddress.IsLoopback(bind)) names.AddIpAddress(bind);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));
        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
