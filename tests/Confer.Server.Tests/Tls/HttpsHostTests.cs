using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Confer.Server.Hosting;
using Confer.Server.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Confer.Server.Tests.Tls;

/// <summary>
/// HTTPS as a client sees it: Kestrel on port 0 serving the app over TLS with the PEM files' certificate, the same
/// certificate on TURN over TLS, a new certificate at the next handshake after the files change or after
/// <see cref="ServerCertificates.Install"/>, plain HTTP redirected, and TLS-ALPN-01's challenge certificate.
/// </summary>
public sealed class HttpsHostTests
{
    private static readonly SslApplicationProtocol StunTurn = new("stun.turn");

    [Fact]
    public async Task Https_WithPemFiles_ServesAppAndHealthzOverHttp2AndHttp11()
    {
        using var pem = PemFiles.Create("first");
        await using var app = await StartAsync(pem);
        var https = ConferHost.HttpsAddress(app)!;
        Assert.Equal("https", https.Scheme);

        string? seen = null;
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => { seen = c!.Thumbprint; return true; } };
        using var http = new HttpClient(handler);
        Assert.Equal("ok\n", await http.GetStringAsync(new Uri(https, "/healthz")));
        using var page = await http.GetAsync(new Uri(https, "/"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("max-age=31536000", Assert.Single(page.Headers.GetValues("Strict-Transport-Security"))); // RFC 6797: HTTPS from now on
        using var sdk = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(https, "/sdk/confer.js")) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact });
        Assert.Equal(HttpVersion.Version20, sdk.Version);
        Assert.Equal(HttpStatusCode.OK, sdk.StatusCode);
        Assert.Equal(ReadPem(pem).Thumbprint, seen);
    }

    [Fact]
    public async Task PemFilesReplaced_NextHandshakeServesTheNewCertificate_OnHttpsAndTurnTls()
    {
        using var pem = PemFiles.Create("first");
        await using var app = await StartAsync(pem);
        var https = HttpsEndPoint(app);
        var turnTls = ConferHost.Turn(app).Tls!;
        var first = ReadPem(pem).Thumbprint;
        Assert.Equal(first, await TlsProbe.ThumbprintAsync(https));
        Assert.Equal(first, await TlsProbe.ThumbprintAsync(turnTls, StunTurn));

        using var second = pem.Write("second");
        Assert.Equal(second.Thumbprint, await TlsProbe.WaitForThumbprintAsync(https, second.Thumbprint, TimeSpan.FromSeconds(20)));
        Assert.Equal(second.Thumbprint, await TlsProbe.ThumbprintAsync(turnTls, StunTurn));
        Assert.Equal(second.Thumbprint, app.Services.GetRequiredService<ServerCertificates>().Current!.Thumbprint);
    }

    [Fact]
    public async Task Install_SwitchesHttpsAndTurnTls_AtTheNextHandshake()
    {
        using var pem = PemFiles.Create("first");
        await using var app = await StartAsync(pem);
        var https = HttpsEndPoint(app);
        var turnTls = ConferHost.Turn(app).Tls!;
        await using var before = await TlsProbe.HandshakeAsync(https, "localhost", SslApplicationProtocol.Http11);

        using var installed = PemFiles.InMemory("installed");
        app.Services.GetRequiredService<ServerCertificates>().Install(installed);

        Assert.Equal(installed.Thumbprint, await TlsProbe.ThumbprintAsync(https, SslApplicationProtocol.Http2));
        Assert.Equal(installed.Thumbprint, await TlsProbe.ThumbprintAsync(turnTls, StunTurn));
        Assert.NotEqual(installed.Thumbprint, before.Thumbprint); // the open connection keeps the certificate it began with
    }

    [Fact]
    public async Task PlainHttp_RedirectsToHttps_ExceptHealthzAndHttp01()
    {
        using var pem = PemFiles.Create("first");
        await using var app = await StartAsync(pem);
        var httpsPort = HttpsEndPoint(app).Port;
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var plain = ConferHost.HttpAddress(app);

        using var room = await http.GetAsync(new Uri(plain, "/room/team?x=1"));
        Assert.Equal(HttpStatusCode.PermanentRedirect, room.StatusCode);
        Assert.Equal($"https://127.0.0.1:{httpsPort}/room/team?x=1", room.Headers.Location!.ToString());

        using var healthz = await http.GetAsync(new Uri(plain, "/healthz"));
        Assert.Equal("ok\n", await healthz.Content.ReadAsStringAsync());
        Assert.False(healthz.Headers.Contains("Strict-Transport-Security")); // RFC 6797 §7.2: never over plain HTTP
        using var missing = await http.GetAsync(new Uri(plain, "/.well-known/acme-challenge/tok-1"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        app.Services.GetRequiredService<ServerCertificates>().AddHttpChallenge("tok-1", "tok-1.thumb");
        using var answer = await http.GetAsync(new Uri(plain, "/.well-known/acme-challenge/tok-1"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("tok-1.thumb", await answer.Content.ReadAsStringAsync());
        Assert.Equal("application/octet-stream", answer.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task AcmeTls1Handshake_GetsTheChallengeCertificate_ThenTheConnectionCloses()
    {
        using var pem = PemFiles.Create("first");
        await using var app = await StartAsync(pem);
        var https = HttpsEndPoint(app);
        using var challenge = PemFiles.InMemory("acme-challenge", "meet.example.test");
        app.Services.GetRequiredService<ServerCertificates>().AddAlpnChallenge("meet.example.test", challenge);

        await using (var acme = await TlsProbe.HandshakeAsync(https, "meet.example.test", ServerCertificates.AcmeTls1))
        {
            Assert.Equal(challenge.Thumbprint, acme.Thumbprint);
            Assert.Equal(ServerCertificates.AcmeTls1, acme.Protocol);
            var read = await acme.Stream.ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, read); // RFC 8737 §3: nothing but the handshake
        }
        // The same name without acme-tls/1 is an ordinary visitor: the server's own certificate and h2.
        await using (var browser = await TlsProbe.HandshakeAsync(https, "meet.example.test", SslApplicationProtocol.Http2, SslApplicationProtocol.Http11))
        {
            Assert.Equal(ReadPem(pem).Thumbprint, browser.Thumbprint);
            Assert.Equal(SslApplicationProtocol.Http2, browser.Protocol);
        }
        // acme-tls/1 for a name with no pending challenge is refused.
        await Assert.ThrowsAnyAsync<Exception>(() => TlsProbe.HandshakeAsync(https, "other.example.test", ServerCertificates.AcmeTls1));
        app.Services.GetRequiredService<ServerCertificates>().RemoveAlpnChallenge("meet.example.test");
        await Assert.ThrowsAnyAsync<Exception>(() => TlsProbe.HandshakeAsync(https, "meet.example.test", ServerCertificates.AcmeTls1));
    }

    [Fact]
    public async Task BadPemWritten_KeepsServingTheOldCertificate_ThenAGoodOneIsTaken()
    {
        using var pem = PemFiles.Create("first");
        await using var app = await StartAsync(pem);
        var https = HttpsEndPoint(app);
        var first = ReadPem(pem).Thumbprint;

        File.WriteAllText(pem.CertificatePath, "-----BEGIN CERTIFICATE-----\nMIIB half written");
        await Task.Delay(1500); // past the reload delay (300 ms): the reloader has looked at it
        Assert.Equal(first, await TlsProbe.ThumbprintAsync(https));

        using var third = pem.Write("third");
        Assert.Equal(third.Thumbprint, await TlsProbe.WaitForThumbprintAsync(https, third.Thumbprint, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task FullChainFile_ServesTheIntermediateToo()
    {
        if (!File.Exists("/usr/bin/openssl")) return; // test.sh installs it; the other tests cover the leaf
        using var pem = PemFiles.Create("placeholder");
        pem.WriteIssued("leaf", "Confer Test Intermediate"); // leaf first, then the intermediate that issued it
        await using var app = await StartAsync(pem);
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/openssl",
            ["s_client", "-connect", $"127.0.0.1:{HttpsEndPoint(app).Port}", "-showcerts", "-alpn", "h2"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, output.Split("-----BEGIN CERTIFICATE-----").Length - 1);
        Assert.Contains("Confer Test Intermediate", output);
        Assert.Contains("ALPN protocol: h2", output);
    }

    [Fact]
    public void Start_WithExpiredCertificate_StopsWithOneSentence()
    {
        using var pem = PemFiles.Create("old", validFor: TimeSpan.FromDays(-1));
        var e = Assert.Throws<OptionsValidationException>(() => ConferHost.Build(Options(pem)));
        var failure = Assert.Single(e.Failures);
        Assert.Contains("expired on", failure);
        Assert.Contains("--tls-cert", failure);
    }

    [Fact]
    public void Start_WithKeyOfAnotherCertificate_StopsWithOneSentence()
    {
        using var pem = PemFiles.Create("one");
        using var other = PemFiles.Create("two");
        var options = Options(pem);
        options.TlsKey = other.KeyPath;
        var e = Assert.Throws<OptionsValidationException>(() => ConferHost.Build(options));
        Assert.Contains("matching private key", Assert.Single(e.Failures));
    }

    private static ServerOptions Options(PemFiles pem) => new()
    {
        Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0,
        TlsCert = pem.CertificatePath, TlsKey = pem.KeyPath, TlsReloadDelay = TimeSpan.FromMilliseconds(300),
    };

    private static async Task<WebApplication> StartAsync(PemFiles pem)
    {
        var app = ConferHost.Build(Options(pem), ["--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        return app;
    }

    private static IPEndPoint HttpsEndPoint(WebApplication app) => app.Services.GetRequiredService<HttpsListener>().EndPoint!;

    private static X509Certificate2 ReadPem(PemFiles pem)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(File.ReadAllText(pem.CertificatePath));
        return certificates[0];
    }
}
