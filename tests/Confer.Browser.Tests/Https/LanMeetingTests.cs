using System.Globalization;
using System.Net;
using System.Text.Json;
using Confer.Browser.Tests.Infrastructure;
using Confer.Browser.Tests.Meeting;
using Confer.Browser.Tests.Relay;
using Confer.Turn.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Https;

/// <summary>
/// The point of HTTPS: a colleague's laptop, not this machine, opens the meeting and gets its camera. Confer runs in
/// one network namespace and Chromium in another, joined by a veth pair with private test addresses
/// (198.18.77.1 and .2); nothing is on localhost, so the browser treats the server as any other machine. Over plain
/// HTTP from that address the page is not a secure context and getUserMedia fails; over HTTPS, with the certificate
/// issued by a test CA that the browser's NSS database trusts, the camera opens and two people see each other.
/// </summary>
public sealed class LanMeetingTests
{
    private static readonly IPAddress ServerAddress = IPAddress.Parse("198.18.77.1");
    private static readonly IPAddress LaptopAddress = IPAddress.Parse("198.18.77.2");
    private const int HttpsPort = 8443;
    private const string Key = "lan-test";
    private const string Secret = "lan-test-secret-0123456789abcdefghijklmnop"; // 32+ characters outside --dev

    private const string CameraProbe = """
        async () => {
          const out = { secure: window.isSecureContext, hasMediaDevices: !!navigator.mediaDevices, camera: null };
          try {
            const stream = await navigator.mediaDevices.getUserMedia({ video: true });
            out.camera = 'ok: ' + stream.getVideoTracks().length + ' video track';
            stream.getTracks().forEach(t => t.stop());
          } catch (e) { out.camera = 'failed: ' + e; }
          return JSON.stringify(out);
        }
        """;

    [Fact]
    public async Task LaptopInAnotherNamespace_GetsNoCameraOverHttp_ButJoinsACallOverHttps()
    {
        await using var server = await NetworkNamespace.CreateAsync("srv");
        await using var laptop = await NetworkNamespace.CreateAsync("lap");
        // IPv4 only: an IPv6 link-local address finishing duplicate address detection a second or two after the link
        // comes up makes Chromium see a network change (ERR_NETWORK_CHANGED), which drops a page load or WebSocket
        // in flight at that moment.
        foreach (var ns in (NetworkNamespace[])[server, laptop])
        {
            await ns.SetSysctlAsync("net/ipv6/conf/all/disable_ipv6", "1");
            await ns.SetSysctlAsync("net/ipv6/conf/default/disable_ipv6", "1");
        }
        await server.IpAsync("link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", laptop.Name);
        await server.IpAsync("addr", "add", $"{ServerAddress}/24", "dev", "eth0");
        await server.IpAsync("link", "set", "eth0", "up");
        await laptop.IpAsync("addr", "add", $"{LaptopAddress}/24", "dev", "eth0");
        await laptop.IpAsync("link", "set", "eth0", "up");

        using var authority = TestAuthority.Create(ServerAddress);
        using var home = await TrustedHome.CreateAsync(authority.AuthorityPath);
        await using var confer = await ConferProcess.StartAsync(new ConferProcessOptions
        {
            Bind = ServerAddress,
            NetworkNamespace = server.Name,
            HttpsPort = HttpsPort,
            ExtraArguments = ["--tls-cert", authority.CertificatePath, "--tls-key", authority.KeyPath, "--keys", $"{Key}: {Secret}", "--open-rooms"],
        });
        await using var chromium = await ChromiumSession.LaunchAsync(laptop, home.Environment);
        string http = $"http://{ServerAddress}:{confer.HttpPort.ToString(CultureInfo.InvariantCulture)}";
        string https = $"https://{ServerAddress}:{HttpsPort.ToString(CultureInfo.InvariantCulture)}";

        // Plain HTTP from another machine: no secure context, no camera (a page HTTP still serves: /healthz).
        await using (var context = await NewContextAsync(chromium))
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync($"{http}/healthz");
            var probe = JsonDocument.Parse(await page.EvaluateAsync<string>(CameraProbe)).RootElement;
            Assert.False(probe.GetProperty("secure").GetBoolean(), $"plain HTTP from {LaptopAddress} should not be a secure context: {probe}\n{confer.Output}");
            Assert.StartsWith("failed", probe.GetProperty("camera").GetString(), StringComparison.Ordinal);

            // And the app itself is redirected there.
            var response = await page.GotoAsync($"{http}/room/lan?x=1");
            Assert.Equal($"{https}/room/lan?x=1", page.Url);
            Assert.Equal(200, response!.Status);
        }

        // HTTPS with a trusted certificate: a secure context, the camera opens.
        await using (var context = await NewContextAsync(chromium))
        {
            var page = await context.NewPageAsync();
            var response = await page.GotoAsync($"{https}/");
            Assert.Equal(200, response!.Status);
            var probe = JsonDocument.Parse(await page.EvaluateAsync<string>(CameraProbe)).RootElement;
            Assert.True(probe.GetProperty("secure").GetBoolean(), $"HTTPS should be a secure context: {probe}");
            Assert.StartsWith("ok", probe.GetProperty("camera").GetString(), StringComparison.Ordinal);
        }

        // Two people on that laptop join one room over HTTPS (token, /rtc over wss, SDK) and see each other.
        await using var aliceContext = await NewContextAsync(chromium);
        await using var bobContext = await NewContextAsync(chromium);
        IPage alice, bob;
        string aliceId, bobId;
        try
        {
            (alice, aliceId) = await JoinAsync(aliceContext, https, "lan", "alice");
            (bob, bobId) = await JoinAsync(bobContext, https, "lan", "bob");
        }
        catch (PlaywrightException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n--- browser ---\n{string.Join('\n', Console)}\n--- server ---\n{confer.Output}");
        }
        try
        {
            await MeetingHarness.WaitForVideoFromAsync(alice, TimeSpan.FromSeconds(30), bobId);
            await MeetingHarness.WaitForVideoFromAsync(bob, TimeSpan.FromSeconds(30), aliceId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\n{await MeetingHarness.DescribeAsync(alice, bob)}\n--- server ---\n{confer.Output}");
        }
        Assert.Equal("null", await alice.EvaluateAsync<string>("() => JSON.stringify(window.__peer.mediaError)"));
        Assert.StartsWith("https://", alice.Url, StringComparison.Ordinal);
    }

    private static readonly List<string> Console = [];

    private static Task<IBrowserContext> NewContextAsync(ChromiumSession chromium) =>
        chromium.Browser.NewContextAsync(new BrowserNewContextOptions { Permissions = ["camera", "microphone"], BypassCSP = true });

    private static async Task<(IPage Page, string Identity)> JoinAsync(IBrowserContext context, string origin, string room, string name)
    {
        var page = await context.NewPageAsync();
        page.Console += (_, m) => { lock (Console) Console.Add($"[{name}] {m.Type}: {m.Text}"); };
        await page.GotoAsync($"{origin}/healthz");
        await page.EvaluateAsync(PeerScript.Source);
        var identity = await page.EvaluateAsync<string>("([room, name]) => window.__peer.join(room, name, {})", new object[] { room, name });
        return (page, identity);
    }
}
