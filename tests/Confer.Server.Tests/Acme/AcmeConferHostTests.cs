using System.Net;
using Confer.Server.Hosting;
using Confer.Server.Tls;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Confer.Server.Tests.Acme;

/// <summary>
/// The whole <c>confer serve --domain … --acme-challenge http-01</c> host against real Pebble: the certificate service
/// is registered by ConferHost, answers HTTP-01 on the main HTTP port, stores the certificate and installs it.
/// </summary>
public sealed class AcmeConferHostTests
{
    [Fact]
    public async Task ConferHost_Domain_Http01OnTheHttpPort_ObtainsStoresAndInstallsTheCertificate()
    {
        int httpPort = PebbleServer.FreePort();
        await using var pebble = await PebbleServer.StartAsync(httpPort, PebbleServer.FreePort());
        string dataDir = Directory.CreateTempSubdirectory("confer-acme-host-").FullName;
        var options = new ServerOptions
        {
            Bind = IPAddress.Loopback, HttpPort = httpPort, TurnPort = 0,
            AcmeDirectory = pebble.DirectoryUrl.ToString(), AcmeCaRoot = pebble.CaRootFile, DataDir = dataDir,
        };
        options.AcmeDomains.Add("host.confer.test");
        options.AcmeChallenges.Add("http-01");
        Assert.Null(options.ValidateAcme());
        await using var app = ConferHost.Build(options);
        var log = new ListLoggerProvider();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        await app.StartAsync();
        try
        {
            var certificates = app.Services.GetRequiredService<ServerCertificates>();
            // Normally a few seconds; the bound leaves room for one retry (the service waits 2 minutes after a failure).
            Assert.True(await TlsProbe.UntilAsync(() => certificates.Current is not null, TimeSpan.FromSeconds(150)), string.Join("\n", log.Lines) + "\n" + pebble.Output);
            Assert.True(certificates.Current!.MatchesHostname("host.confer.test"));
            Assert.True(File.Exists(Path.Combine(dataDir, "acme", "certificates", "host.confer.test", "fullchain.pem")));
            Assert.Single(Directory.GetDirectories(Path.Combine(dataDir, "acme", "accounts")));
        }
        finally
        {
            await app.StopAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
