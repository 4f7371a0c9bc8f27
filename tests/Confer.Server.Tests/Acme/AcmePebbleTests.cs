using Microsoft.Extensions.Logging;
using System.Security.Cryptography;
using Confer.Server.Acme;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Confer.Server.Tests.Acme;

/// <summary>
/// The ACME client against real Pebble: certificates issued through TLS-ALPN-01 and HTTP-01 answered by a real
/// Kestrel listener, renewed without a restart while a real TLS client watches, and a refusal that gives a sentence.
/// </summary>
public sealed class AcmePebbleTests(PebbleFixture pebble, ITestOutputHelper output) : IClassFixture<PebbleFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private AcmeIssuer Issuer(HttpClient http, ECDsa accountKey, ILogger logger) =>
        new(new AcmeClient(http, pebble.DirectoryUrl, new AcmeJws(accountKey), TimeProvider.System) { PollTimeout = TimeSpan.FromSeconds(30) },
            pebble.Host.Certificates, TimeProvider.System, logger);

    [Theory]
    [InlineData(AcmeIssuer.TlsAlpn01, "alpn.confer.test")]
    [InlineData(AcmeIssuer.Http01, "http.confer.test")]
    public async Task ObtainAsync_Challenge_IssuesCertificateTheListenerServes(string challenge, string domain)
    {
        using var http = pebble.Http();
        using var accountKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var logger = new ListLogger<AcmePebbleTests>();
        using var cts = new CancellationTokenSource(Bound);

        var issued = await Issuer(http, accountKey, logger).ObtainAsync([domain, "www." + domain], challenge, "ops@confer.test", cts.Token);

        Assert.Contains(logger.Lines, l => l.Text.Contains($"proving control of {domain} by {challenge}", StringComparison.Ordinal));
        Assert.True(issued.Certificate.HasPrivateKey);
        Assert.True(issued.Certificate.MatchesHostname("www." + domain));
        Assert.NotEmpty(issued.Chain);
        Assert.Null(pebble.Host.Certificates.AlpnChallenge(domain)); // answers are withdrawn once the order is done
        pebble.Host.Certificates.Install(issued.Certificate, issued.Chain);
        var (leaf, chained) = await TlsProbe.HandshakeAsync(pebble.Host.TlsPort, domain, await pebble.RootAsync());
        Assert.Equal(issued.Certificate.Thumbprint, leaf.Thumbprint);
        Assert.True(chained, "the served certificate does not chain to Pebble's root with what the server sent");
    }

    [Fact]
    public async Task Service_RenewalDue_ReplacesServedCertificateWithoutRestart_AndStoresIt()
    {
        const string domain = "renew.confer.test";
        string dataDir = Directory.CreateTempSubdirectory("confer-acme-").FullName;
        var clock = new ShiftedTime();
        var settings = new AcmeSettings([domain], pebble.DirectoryUrl, null, pebble.CaRootFile, dataDir)
        {
            CheckInterval = TimeSpan.FromMilliseconds(200), FirstRetry = TimeSpan.FromSeconds(1), PollTimeout = TimeSpan.FromSeconds(30),
        };
        var logger = new ListLogger<AcmeCertificateService>();
        var certificates = pebble.Host.Certificates;
        var root = await pebble.RootAsync();
        var service = new AcmeCertificateService(settings, certificates, clock, logger);
        await service.StartAsync(CancellationToken.None);
        try
        {
            Assert.True(await TlsProbe.UntilAsync(() => certificates.Current?.MatchesHostname(domain) == true, Bound), string.Join("\n", logger.Lines));
            var first = certificates.Current!;
            var served = await TlsProbe.HandshakeAsync(pebble.Host.TlsPort, domain, root);
            Assert.Equal(first.Thumbprint, served.Leaf.Thumbprint);
            Assert.True(served.ChainsToRoot);
            string keyFile = Path.Combine(dataDir, "acme", "certificates", domain, "key.pem");
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));

            // Ten days before expiry: due. The service renews on its next look and the very next handshake sees it.
            clock.Shift = first.NotAfter.ToUniversalTime() - DateTime.UtcNow - TimeSpan.FromDays(10);
            Assert.True(await TlsProbe.UntilAsync(() => certificates.Current?.Thumbprint != first.Thumbprint, Bound), string.Join("\n", logger.Lines));
            clock.Shift = TimeSpan.Zero;
            var second = certificates.Current!;
            served = await TlsProbe.HandshakeAsync(pebble.Host.TlsPort, domain, root);
            Assert.Equal(second.Thumbprint, served.Leaf.Thumbprint);
            Assert.NotEqual(first.Thumbprint, served.Leaf.Thumbprint);
            Assert.True(served.ChainsToRoot);
            Assert.Contains(logger.Lines, l => l.Text.Contains("renewing it now", StringComparison.Ordinal));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
            foreach (var line in logger.Lines) output.WriteLine($"{line.Level}: {line.Text}");
        }

        // A restart serves the stored (renewed) certificate at once, before any ACME traffic.
        var fresh = new Confer.Server.Tls.ServerCertificates();
        var again = new AcmeCertificateService(settings, fresh, TimeProvider.System, new ListLogger<AcmeCertificateService>());
        await again.StartAsync(CancellationToken.None);
        Assert.Equal(certificates.Current!.Thumbprint, fresh.Current?.Thumbprint);
        await again.StopAsync(CancellationToken.None);
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task ObtainAsync_DomainPebbleRefuses_OneSentenceFromTheProblemDocument()
    {
        using var http = pebble.Http();
        using var accountKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cts = new CancellationTokenSource(Bound);
        var error = await Assert.ThrowsAsync<AcmeException>(() =>
            Issuer(http, accountKey, NullLogger.Instance).ObtainAsync(["bad_name!.confer.test"], AcmeIssuer.Http01, null, cts.Token));
        Assert.StartsWith("Ordering a certificate for bad_name!.confer.test failed: ", error.Message, StringComparison.Ordinal);
        output.WriteLine(error.Message);
        Assert.Contains("HTTP 400", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_RefusedDomain_LogsTheReason_KeepsRunning_AndRetries()
    {
        string dataDir = Directory.CreateTempSubdirectory("confer-acme-").FullName;
        var settings = new AcmeSettings(["bad_name!.confer.test"], pebble.DirectoryUrl, null, pebble.CaRootFile, dataDir)
        {
            FirstRetry = TimeSpan.FromMilliseconds(300), PollTimeout = TimeSpan.FromSeconds(30),
        };
        var logger = new ListLogger<AcmeCertificateService>();
        var service = new AcmeCertificateService(settings, new Confer.Server.Tls.ServerCertificates(), TimeProvider.System, logger);
        await service.StartAsync(CancellationToken.None);
        bool retried = await TlsProbe.UntilAsync(() => logger.Lines.Count(l => l.Level == LogLevel.Warning) >= 2, Bound);
        Assert.False(service.ExecuteTask!.IsCompleted);
        await service.StopAsync(CancellationToken.None);
        foreach (var line in logger.Lines) output.WriteLine($"{line.Level}: {line.Text}");
        Assert.True(retried, string.Join("\n", logger.Lines));
        var warning = logger.Lines.First(l => l.Level == LogLevel.Warning).Text;
        Assert.Contains("no certificate this time: Ordering a certificate for bad_name!.confer.test failed:", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("EXCEPTION", warning, StringComparison.Ordinal);
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task Service_CaRootNotGiven_SaysTheCaIsNotTrusted_AndNamesTheFlag()
    {
        string dataDir = Directory.CreateTempSubdirectory("confer-acme-").FullName;
        var logger = new ListLogger<AcmeCertificateService>();
        var service = new AcmeCertificateService(new AcmeSettings(["trust.confer.test"], pebble.DirectoryUrl, null, null, dataDir),
            new Confer.Server.Tls.ServerCertificates(), TimeProvider.System, logger);
        await service.StartAsync(CancellationToken.None);
        bool warned = await TlsProbe.UntilAsync(() => logger.Lines.Any(l => l.Level == LogLevel.Warning), Bound);
        await service.StopAsync(CancellationToken.None);
        Directory.Delete(dataDir, recursive: true);
        Assert.True(warned);
        var warning = logger.Lines.Single(l => l.Level == LogLevel.Warning).Text;
        output.WriteLine(warning);
        Assert.Contains("The ACME server's HTTPS certificate is not trusted", warning, StringComparison.Ordinal);
        Assert.Contains("--acme-ca-root", warning, StringComparison.Ordinal);
    }
}
