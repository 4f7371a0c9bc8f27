using System.Net;
using System.Text.RegularExpressions;
using Confer.Server.Cli;
using Confer.Server.Hosting;
using Confer.Server.Tests.Cli;

namespace Confer.Server.Tests.Tls;

/// <summary>
/// What `confer serve` prints about its web ports: one line that says where to open the app (HTTPS, the LAN address
/// when bound to all interfaces), a line per port saying what it serves, the dev certificate's fingerprint, and none
/// of Kestrel's "Now listening on" lines (one of which would call TURN over TLS a web page).
/// </summary>
public sealed partial class HttpsBannerTests
{
    private static readonly Uri Http = new("http://0.0.0.0:7880/");

    [Fact]
    public void Open_BoundToAll_NamesTheLanAddressOverHttps_AndThisMachine()
    {
        var options = new ServerOptions { TlsCert = "c.pem", TlsKey = "k.pem" };
        var line = ServeBanner.Open(options, Http, new IPEndPoint(IPAddress.Any, 443), null, [IPAddress.Parse("192.168.1.20")]);
        Assert.Equal("confer: open https://192.168.1.20/ in a browser; on this machine https://localhost/ (Ctrl-C to stop)", line);
    }

    [Fact]
    public void Open_CertificateWithADnsName_UsesThatName()
    {
        using var certificate = PemFiles.InMemory("meet", "meet.example.org");
        var options = new ServerOptions { TlsCert = "c.pem", TlsKey = "k.pem" };
        var line = ServeBanner.Open(options, Http, new IPEndPoint(IPAddress.Any, 8443), certificate, [IPAddress.Parse("10.0.0.5")]);
        Assert.StartsWith("confer: open https://meet.example.org:8443/ in a browser", line);
    }

    [Fact]
    public void Open_DevOnLoopback_IsPlainLocalhost_WhichIsASecureOrigin()
    {
        var options = new ServerOptions { Dev = true };
        var line = ServeBanner.Open(options, new Uri("http://localhost:7880/"), new IPEndPoint(IPAddress.Loopback, 7443), null, []);
        Assert.Equal("confer: open http://localhost:7880/ in a browser (Ctrl-C to stop)", line);
    }

    [Fact]
    public void WebPorts_WithoutHttpsOnTheNetwork_SayWhyOtherMachinesGetNoCamera()
    {
        var lines = string.Join("\n", ServeBanner.WebPorts(new ServerOptions(), Http, null, null));
        Assert.Contains("HTTP on 0.0.0.0:7880: web app", lines);
        Assert.Contains("refuse the camera over plain HTTP", lines);
    }

    [Fact]
    public async Task ServeDev_BindAny_PrintsOpenLineFingerprintAndPorts_NotKestrelsListeningLines()
    {
        await using var serve = ServeProcess.Start(["--dev", "--bind", "0.0.0.0", "--http-port", "0", "--https-port", "0", "--turn-port", "0", "--turn-tls-port", "0"]);
        await serve.WaitListeningAsync(TimeSpan.FromSeconds(60));
        var stdout = serve.Stdout;
        Assert.DoesNotContain("Now listening on", stdout);
        Assert.Matches(Fingerprint(), stdout);
        Assert.Matches(@"confer: HTTPS on 0\.0\.0\.0:\d+: web app, SDK, /rtc, /api", stdout);
        Assert.Contains("(turns: URLs for WebRTC clients, not a web page)", stdout);
        var open = stdout.Split('\n').Single(l => l.StartsWith("confer: open ", StringComparison.Ordinal));
        if (Confer.Server.Tls.DevCertificate.LocalAddresses().Any()) // a LAN address: the one another laptop opens, over HTTPS
            Assert.Matches(@"^confer: open https://[^ ]+:\d+/ in a browser; on this machine http://localhost:\d+/ \(Ctrl-C to stop\)$", open.TrimEnd());
        else // a machine (or test namespace) with loopback only
            Assert.Matches(@"^confer: open http://localhost:\d+/ in a browser \(Ctrl-C to stop\)$", open.TrimEnd());
    }

    [GeneratedRegex(@"dev certificate, self-signed .*SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}")]
    private static partial Regex Fingerprint();
}
