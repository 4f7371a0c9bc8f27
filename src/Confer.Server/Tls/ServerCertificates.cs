using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Confer.Server.Tls;

/// <summary>
/// The one owner of the server's TLS certificate: HTTPS and TURN over TLS both serve <see cref="Current"/>, and
/// whoever obtains a certificate (PEM files watched on disk, the dev self-signed one, the ACME client) calls
/// <see cref="Install"/>; handshakes from then on use the new one, with no restart. It also holds the ACME
/// challenge answers while an order is pending: TLS-ALPN-01 certificates by domain (RFC 8737) and HTTP-01 key
/// authorizations by token (RFC 8555 §8.3). Thread-safe; reads are lock-free.
/// </summary>
public sealed class ServerCertificates
{
    private sealed record Entry(X509Certificate2 Certificate, SslStreamCertificateContext Context);

    private volatile Entry? _current;
    private readonly ConcurrentDictionary<string, X509Certificate2> _alpnChallenges = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> _httpChallenges = new(StringComparer.Ordinal);

    /// <summary>The certificate served now, or null before the first one is installed.</summary>
    public X509Certificate2? Current => _current?.Certificate;

    /// <summary>The context for <see cref="Current"/> (chain built once per install), or null.</summary>
    public SslStreamCertificateContext? CurrentContext => _current?.Context;

    /// <summary>Raised after <see cref="Install"/> swapped the certificate.</summary>
    public event Action<X509Certificate2>? Changed;

    /// <summary>
    /// Serves <paramref name="certificate"/> (with its private key; <paramref name="chain"/> holds the intermediates)
    /// from the next handshake on.
    /// </summary>
    public void Install(X509Certificate2 certificate, X509Certificate2Collection? chain = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey) throw new ArgumentException("The certificate has no private key.", nameof(certificate));
        _current = new Entry(certificate, SslStreamCertificateContext.Create(certificate, chain, offline: true));
        Changed?.Invoke(certificate);
    }

    /// <summary>TLS-ALPN-01: serve <paramref name="certificate"/> to a handshake for <paramref name="domain"/> that offers "acme-tls/1".</summary>
    public void AddAlpnChallenge(string domain, X509Certificate2 certificate) => _alpnChallenges[domain] = certificate;

    public void RemoveAlpnChallenge(string domain) => _alpnChallenges.TryRemove(domain, out _);

    public X509Certificate2? AlpnChallenge(string domain) => _alpnChallenges.GetValueOrDefault(domain);

    /// <summary>HTTP-01: answer <c>GET /.well-known/acme-challenge/{token}</c> with <paramref name="keyAuthorization"/>.</summary>
    public void AddHttpChallenge(string token, string keyAuthorization) => _httpChallenges[token] = keyAuthorization;

    public void RemoveHttpChallenge(string token) => _httpChallenges.TryRemove(token, out _);

    public string? HttpChallenge(string token) => _httpChallenges.GetValueOrDefault(token);

    /// <summary>The ALPN protocol id of TLS-ALPN-01 (RFC 8737 §6.2).</summary>
    public static readonly SslApplicationProtocol AcmeTls1 = new("acme-tls/1");
}
