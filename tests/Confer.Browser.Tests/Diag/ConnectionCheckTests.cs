using System.Globalization;
using System.Net;
using Confer.Browser.Tests.Infrastructure;
using Confer.Browser.Tests.Relay;
using Confer.Server.Hosting;
using Confer.Server.Tls;
using Confer.Turn.Tests.Infrastructure;
using Confer.Turn.Tests.TurnInterop;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Diag;

/// <summary>
/// Issue 14, item 3: the <c>/diag</c> page (the SDK's <c>runConnectionCheck</c>) in real Chromium. On an open network
/// every way works; behind an "office" firewall (nftables in the test's own namespace drops UDP and TCP to the TURN
/// ports, so only the web ports pass) it reports UDP blocked and the relay over TLS on the HTTPS port working, and
/// a media round trip still gets through. TURN over TLS uses a test certificate trusted in a private NSS database.
/// </summary>
public sealed class ConnectionCheckTests
{
    private static readonly string[] Rows = ["websocket", "iceServers", "stun", "turn-udp", "turn-tcp", "turn-tls", "media"];

    [Fact]
    public async Task DiagPage_OpenNetwork_EveryWayWorks_AndUdpIsBest()
    {
        await using var lab = await Lab.StartAsync();
        var report = await lab.RunCheckAsync();

        foreach (var id in Rows) Assert.True(report.Status(id) == "ok", $"{id} is {report.Status(id)}.\n{report}");
        Assert.Equal("udp", report.Best);
        Assert.Contains($"on port {lab.HttpsPort}.", report.Detail("turn-tls")); // the relay over TLS answered on the HTTPS port
        Assert.Contains("through the relay", report.Detail("media"));
        Assert.Contains("UDP works", report.Summary);
    }

    [Fact]
    public async Task DiagPage_OfficeFirewall_SaysUdpIsBlocked_AndTlsOnTheHttpsPortCarriesTheCall()
    {
        await using var lab = await Lab.StartAsync();
        var turn = ConferHost.Turn(lab.App);
        await using var firewall = await OfficeFirewall.CloseAsync(turn.Primary.Port, turn.Tls!.Port);
        var report = await lab.RunCheckAsync();

        Assert.True(report.Status("websocket") == "ok", report.ToString());
        Assert.True(report.Status("stun") == "failed", $"STUN over UDP should be blocked.\n{report}");
        Assert.True(report.Status("turn-udp") == "failed", $"TURN over UDP should be blocked.\n{report}");
        Assert.True(report.Status("turn-tcp") == "failed", $"TURN over TCP to the TURN port should be blocked.\n{report}");
        Assert.True(report.Status("turn-tls") == "ok", $"TURN over TLS on the HTTPS port should work.\n{report}");
        Assert.Contains($"on port {lab.HttpsPort}.", report.Detail("turn-tls"));
        Assert.True(report.Status("media") == "ok", $"the media round trip should go through the relay over TLS.\n{report}");
        Assert.Contains("over TLS", report.Detail("media"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("turn-tls", report.Best);
        Assert.Contains("UDP is blocked on this network.", report.Summary);
        Assert.Contains($"over TLS on port {lab.HttpsPort}", report.Summary);
    }

    [Fact]
    public async Task IceServersEndpoint_WithoutAValidToken_Is401()
    {
        await using var lab = await Lab.StartAsync();
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        using var none = await http.GetAsync(new Uri(lab.BaseUrl + "/rtc/ice-servers"));
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        using var forged = await http.GetAsync(new Uri(lab.BaseUrl + "/rtc/ice-servers?access_token=a.b.c"));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    /// <summary>The check's rows as the page shows them.</summary>
    private sealed record Report(Dictionary<string, (string Status, string Detail)> Rows, string Best, string Summary)
    {
        public string Status(string id) => Rows.TryGetValue(id, out var row) ? row.Status : "missing";
        public string Detail(string id) => Rows.TryGetValue(id, out var row) ? row.Detail : "";
        public override string ToString() =>
            $"best: {Best}\nsummary: {Summary}\n" + string.Join("\n", Rows.Select(r => $"  {r.Key}: {r.Value.Status} — {r.Value.Detail}"));
    }

    /// <summary>Confer in --dev on loopback with a certificate (HTTPS, TURN over TLS beside it) and one Chromium trusting it.</summary>
    private sealed class Lab : IAsyncDisposable
    {
        private readonly TestCertificate _certificate;
        private readonly TrustedHome _home;
        private readonly ChromiumSession _chromium;

        private Lab(TestCertificate certificate, TrustedHome home, WebApplication app, ChromiumSession chromium)
        {
            (_certificate, _home, App, _chromium) = (certificate, home, app, chromium);
            BaseUrl = ConferHost.HttpAddress(app).ToString().TrimEnd('/');
            HttpsPort = app.Services.GetRequiredService<HttpsListener>().EndPoint!.Port;
        }

        public WebApplication App { get; }
        public string BaseUrl { get; }
        public int HttpsPort { get; }

        public static async Task<Lab> StartAsync()
        {
            var certificate = TestCertificate.Create(IPAddress.Loopback);
            var home = await TrustedHome.CreateAsync(certificate.CertificatePath);
            var options = new ServerOptions
            {
                Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0, Dev = true,
                TlsCert = certificate.CertificatePath, TlsKey = certificate.KeyPath,
            };
            var app = ConferHost.Build(options, ["--Logging:LogLevel:Default=Warning"]);
            await app.StartAsync();
            var chromium = await ChromiumSession.LaunchAsync(environment: home.Environment);
            return new Lab(certificate, home, app, chromium);
        }

        public async Task<Report> RunCheckAsync()
        {
            await using var context = await _chromium.NewContextAsync();
            var page = await context.NewPageAsync();
            var console = new List<string>();
            page.Console += (_, m) => console.Add(m.Text);
            await page.GotoAsync(BaseUrl + "/diag");
            try
            {
                await page.WaitForSelectorAsync("[data-testid=diag-summary][data-best]:not([data-best=''])", new() { Timeout = 40_000 });
            }
            catch (TimeoutException)
            {
                throw new TimeoutException("the check did not finish in 40 s; page console:\n" + string.Join("\n", console));
            }
            var rows = await page.EvaluateAsync<string[][]>(
                "() => [...document.querySelectorAll('#rows tr')].map(tr => [tr.dataset.check, tr.dataset.status, tr.children[2].textContent])");
            var best = await page.GetAttributeAsync("[data-testid=diag-summary]", "data-best") ?? "";
            var summary = await page.InnerTextAsync("[data-testid=diag-summary]");
            return new Report(rows.ToDictionary(r => r[0], r => (r[1], r[2])), best, summary);
        }

        public async ValueTask DisposeAsync()
        {
            await _chromium.DisposeAsync();
            await App.DisposeAsync();
            _home.Dispose();
            _certificate.Dispose();
        }
    }

    /// <summary>
    /// An office firewall as the browser meets it: UDP and TCP to the TURN ports are dropped on the way out, so only
    /// the web ports (HTTP for the page, HTTPS with TURN over TLS beside it) get through. One nftables table in the
    /// test's own network namespace, removed on dispose.
    /// </summary>
    private sealed class OfficeFirewall : IAsyncDisposable
    {
        private readonly string _table = "confer_office_" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

        public static async Task<OfficeFirewall> CloseAsync(int turnPort, int turnTlsPort)
        {
            if (!ExternalCommand.Exists("nft")) throw new InvalidOperationException("nft is missing: apt-get install nftables (test.sh does it).");
            var firewall = new OfficeFirewall();
            string p = turnPort.ToString(CultureInfo.InvariantCulture), t = turnTlsPort.ToString(CultureInfo.InvariantCulture);
            await ExternalCommand.RunCheckedAsync("nft", $"add table inet {firewall._table}; " +
                $"add chain inet {firewall._table} out {{ type filter hook output priority 0; }}; " +
                $"add rule inet {firewall._table} out udp dport {p} drop; " +
                $"add rule inet {firewall._table} out tcp dport {{ {p}, {t} }} drop");
            return firewall;
        }

        public async ValueTask DisposeAsync() => await ExternalCommand.RunAsync("nft", $"delete table inet {_table}");
    }
}
