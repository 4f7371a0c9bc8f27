using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Confer.Server.Tls;

namespace Confer.Server.Acme;

/// <summary>
/// Keeps a certificate for the <c>--domain</c> names installed in <see cref="ServerCertificates"/>: at start it serves
/// the stored one if still valid, obtains one if there is none or it is due (within 30 days of expiry, or the last
/// third of a shorter lifetime), looks again daily, and after a failure tries again with a doubling wait. It never
/// holds up the server's start: all ACME traffic runs in the background.
/// </summary>
internal sealed class AcmeCertificateService(
    AcmeSettings settings, ServerCertificates certificates, TimeProvider time, ILogger<AcmeCertificateService> logger) : BackgroundService
{
    private readonly AcmeStore _store = new(settings.DataDir);
    private X509Certificate2? _served;
    private string Domains => string.Join(", ", settings.Domains);

    /// <summary>When a certificate becomes due: 30 days before it expires, or a third of its lifetime before, whichever is later.</summary>
    public static DateTimeOffset RenewAt(X509Certificate2 certificate)
    {
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var lifetime = certificate.NotAfter - certificate.NotBefore;
        var margin = TimeSpan.FromDays(30) < lifetime / 3 ? TimeSpan.FromDays(30) : lifetime / 3;
        return notAfter - margin;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        LoadStored(); // synchronous and local: the first handshake already gets the stored certificate
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var http = settings.CreateHttpClient();
        AcmeClient? client = null;
        int failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            var now = time.GetUtcNow();
            if (_served is { } served && now < RenewAt(served) && Covers(served))
            {
                var due = RenewAt(served) - now;
                wait = due < settings.CheckInterval ? due : settings.CheckInterval;
            }
            else
            {
                if (_served is { } old) AcmeLog.Renewing(logger, Domains, old.NotAfter.ToUniversalTime());
                try
                {
                    client ??= new AcmeClient(http, settings.Directory, new AcmeJws(_store.AccountKey(settings.Directory)), time) { PollTimeout = settings.PollTimeout };
                    string challenge = settings.Challenges[failures % settings.Challenges.Count];
                    AcmeLog.Ordering(logger, settings.Directory.ToString(), Domains);
                    var issued = await new AcmeIssuer(client, certificates, time, logger).ObtainAsync(settings.Domains, challenge, settings.Email, stoppingToken);
                    _store.Save(settings.Domains, issued);
                    certificates.Install(issued.Certificate, issued.Chain);
                    _served = issued.Certificate;
                    failures = 0;
                    AcmeLog.Obtained(logger, Domains, issued.Certificate.NotAfter.ToUniversalTime(), RenewAt(issued.Certificate));
                    continue;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested && Explain(e) is { } reason)
                {
                    failures++;
                    client = null; // next time: the directory, a nonce and the account afresh (the CA may have changed them)
                    var backoff = settings.FirstRetry * Math.Pow(2, Math.Min(failures - 1, 20));
                    wait = backoff < settings.MaxRetry ? backoff : settings.MaxRetry;
                    AcmeLog.Failed(logger, reason, AcmeLog.Duration(wait));
                }
            }
            try { await Task.Delay(wait, time, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    private void LoadStored()
    {
        try
        {
            if (_store.Load(settings.Domains) is not { } stored) return;
            if (stored.Certificate.NotAfter.ToUniversalTime() <= time.GetUtcNow().UtcDateTime)
            {
                AcmeLog.StoredUnusable(logger, _store.CertificateDir(settings.Domains), $"it expired {stored.Certificate.NotAfter.ToUniversalTime():u}");
                return;
            }
            _served = stored.Certificate;
            if (Covers(stored.Certificate)) certificates.Install(stored.Certificate, stored.Chain);
            AcmeLog.Loaded(logger, Domains, stored.Certificate.NotAfter.ToUniversalTime());
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            AcmeLog.StoredUnusable(logger, _store.CertificateDir(settings.Domains), e.Message.TrimEnd('.'));
        }
    }

    private bool Covers(X509Certificate2 certificate) => settings.Domains.All(d => certificate.MatchesHostname(d));

    /// <summary>One sentence for a failure; every failure is retried later.</summary>
    private static string? Explain(Exception e) => e switch
    {
        AcmeException a => a.Message,
        HttpRequestException { InnerException: SocketException s } => $"Could not reach the ACME server ({s.SocketErrorCode}).",
        HttpRequestException { InnerException: System.Security.Authentication.AuthenticationException t } =>
            $"The ACME server's HTTPS certificate is not trusted ({t.Message.TrimEnd('.')}); for a private CA give its root with --acme-ca-root.",
        HttpRequestException h => $"Could not talk to the ACME server: {h.GetBaseException().Message.TrimEnd('.')}.",
        TaskCanceledException => "The ACME server did not answer within 30 s.",
        IOException or UnauthorizedAccessException => $"Could not store the certificate or account key: {e.Message.TrimEnd('.')}.",
        CryptographicException => $"A key or certificate could not be read: {e.Message.TrimEnd('.')}.",
        _ => $"Unexpected {e.GetType().Name}: {e.Message.TrimEnd('.')}.", // logged and retried: certificates never stop meetings
    };
}
