using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Confer.Server.Hosting;

namespace Confer.Server.Acme;

/// <summary>What <see cref="AcmeCertificateService"/> needs, taken from <see cref="ServerOptions"/> (tests set the timings).</summary>
internal sealed record AcmeSettings(IReadOnlyList<string> Domains, Uri Directory, string? Email, string? CaRootFile, string DataDir)
{
    /// <summary>How often a valid certificate is looked at again.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The wait after the first failure; it doubles with each failure after, up to <see cref="MaxRetry"/>.</summary>
    public TimeSpan FirstRetry { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan MaxRetry { get; init; } = TimeSpan.FromHours(6);

    /// <summary>The challenge to answer first; after a failed order the next one tries the other.</summary>
    public IReadOnlyList<string> Challenges { get; init; } = [AcmeIssuer.TlsAlpn01, AcmeIssuer.Http01];

    /// <summary>How long one challenge validation or issuance may take.</summary>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromMinutes(3);

    public static AcmeSettings From(ServerOptions options) =>
        new(options.AcmeDomains.ToArray(), new Uri(options.AcmeDirectory), options.AcmeEmail, options.AcmeCaRoot, options.DataDirectory)
        {
            Challenges = options.AcmeChallengeOrder.ToArray(),
        };

    /// <summary>
    /// The HTTP client for the ACME server: 30 s per request, 10 s to connect, and the server's certificate checked
    /// against the system's roots plus the roots in <see cref="CaRootFile"/> (Pebble's, a private CA's).
    /// </summary>
    public HttpClient CreateHttpClient()
    {
        var extra = new X509Certificate2Collection();
        if (CaRootFile is not null) extra.ImportFromPemFile(CaRootFile);
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (extra.Count > 0)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (errors == SslPolicyErrors.None) return true;
                if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0 || certificate is null) return false;
                using var custom = new X509Chain();
                custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                custom.ChainPolicy.CustomTrustStore.AddRange(extra);
                custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                if (chain is not null) foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
                return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            };
        var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("confer-acme/1");
        return http;
    }
}
