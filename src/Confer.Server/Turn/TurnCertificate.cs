using System.Net.Security;
using System.Security.Authentication;
using Confer.Server.Tls;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Confer.Server.Turn;

/// <summary>The TLS handshake of TURN over TLS; its certificate is the server's one, owned by <see cref="ServerCertificates"/>.</summary>
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
    /// The certificate is <see cref="ServerCertificates.CurrentContext"/> at each handshake: the one HTTPS serves, and a
    /// new one installed there (PEM files reloaded, ACME renewal) serves the next TURN client too.
    /// </summary>
    public static TlsHandshakeCallbackOptions Handshake(ServerCertificates certificates, TimeSpan timeout) => new()
    {
        HandshakeTimeout = timeout,
        OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificates.CurrentContext
                ?? throw new AuthenticationException("No certificate yet: TURN over TLS serves handshakes once one is installed."),
            ApplicationProtocols = [StunTurn, StunNatDiscovery],
        }),
    };
}
