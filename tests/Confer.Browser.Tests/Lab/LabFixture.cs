using System.Diagnostics;
using System.Net;
using Confer.Browser.Tests.Infrastructure;
using Confer.Browser.Tests.Meeting;
using Confer.Browser.Tests.Relay;
using Confer.Turn.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Lab;

/// <summary>Every test class of the lab shares one <see cref="LabFixture"/>: one set of namespaces, one Confer.</summary>
[CollectionDefinition(Name)]
public sealed class LabCollection : ICollectionFixture<LabFixture>
{
    public const string Name = "Lab";
}

/// <summary>
/// The lab (issue 14, item 2): one small internet of network namespaces and one Confer on it, shared by every test
/// of <see cref="LabTests"/> and <see cref="NatMappingTests"/>.
/// <code>
///   [internet]  br0 198.19.0.1/24: confer (HTTPS + TURN over TLS/TCP on 443, STUN/TURN on 3478)
///      ├─ home1  router 198.19.0.11  endpoint-independent NAT   host 198.18.1.2
///      ├─ home2  router 198.19.0.12  endpoint-independent NAT   host 198.18.2.2
///      ├─ office router 198.19.0.13  no NAT; forwards only TCP to 443   host 198.18.3.2 (routed)
///      ├─ hotel1 router 198.19.0.14  symmetric NAT (fully-random ports)  host 198.18.4.2
///      ├─ hotel2 router 198.19.0.15  symmetric NAT (fully-random ports)  host 198.18.5.2
///      ├─ ipv6   fd00:198:19::20/64 on the bridge, no IPv4 address       (the server has fd00:198:19::1 too)
///      └─ office443 router 198.19.0.17  no NAT; forwards only TCP and UDP to 443   host 198.18.7.2 (routed)
/// </code>
/// Confer listens on both families (<c>--bind ::</c>), serves STUN/TURN over UDP on 443 too (<c>--turn-udp-port 443</c>) and relays from 198.19.0.1 and fd00:198:19::1. IPv4 is in
/// 198.18.0.0/15 and IPv6 in a unique local prefix; no namespace touches the machine's own network and none has a default
/// route. Disposing stops Confer and removes every namespace and its nftables tables, also after a failed start.
/// </summary>
public class LabFixture : IAsyncLifetime
{
    internal const string Key = "lab";
    internal const string Secret = "lab-secret-0123456789abcdefghijklmnopqrstuv"; // 32+ characters outside --dev
    internal static readonly IPAddress Server = VirtualInternet.ServerAddress;
    internal static readonly IPAddress ServerIpv6 = IPAddress.Parse("fd00:198:19::1");
    internal static readonly IPAddress Ipv6HostAddress = IPAddress.Parse("fd00:198:19::20");
    internal static readonly string Origin = $"https://{Server}"; // port 443: the only port the office lets out
    internal static readonly string Ipv6Origin = $"https://[{ServerIpv6}]";

    private VirtualInternet? _internet;
    private LabAuthority? _authority;
    private TrustedHome? _trust;
    private ConferProcess? _confer;

    internal NatHome Home1 { get; private set; } = null!;
    internal NatHome Home2 { get; private set; } = null!;
    internal NatHome Office { get; private set; } = null!;
    internal NatHome Hotel1 { get; private set; } = null!;
    internal NatHome Hotel2 { get; private set; } = null!;
    internal NetworkNamespace Ipv6Host { get; private set; } = null!;

    /// <summary>An office whose firewall lets out UDP and TCP to port 443 and nothing else.</summary>
    internal NatHome Office443 { get; private set; } = null!;

    /// <summary>The namespace of the internet bridge, where Confer runs.</summary>
    internal NetworkNamespace Internet => _internet!.Internet;

    /// <summary>How long building the lab and starting Confer took.</summary>
    internal TimeSpan SetUpTime { get; private set; }

    /// <summary>Rows of the path matrix measured so far (every test adds its own).</summary>
    internal List<string> Matrix { get; } = [];

    internal string ServerOutput => _confer?.Output ?? "(confer not started)";

    /// <summary>What a lab of another kind adds to Confer's command line (<see cref="SfuLabFixture"/>: the SFU).</summary>
    protected virtual IReadOnlyList<string> MoreServerArguments => [];

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        try
        {
            _internet = await VirtualInternet.CreateAsync(ipv4Only: true);
            Home1 = await _internet.AddNatHomeAsync();
            Home2 = await _internet.AddNatHomeAsync();
            Office = await _internet.AddFirewalledOfficeAsync(443);
            Hotel1 = await _internet.AddNatHomeAsync(NatMapping.Symmetric);
            Hotel2 = await _internet.AddNatHomeAsync(NatMapping.Symmetric);
            await _internet.AddServerIpv6Async(ServerIpv6);
            Ipv6Host = await _internet.AddIpv6OnlyHostAsync(Ipv6HostAddress);
            Office443 = await _internet.AddFirewalledOfficeAsync(443);
            // This office lets out UDP to 443 as well (QUIC's port, often open where 3478 is not).
            await Office443.Router.ExecCheckedAsync("nft", "add", "rule", "inet", "confer_office", "forward",
                "iifname", "lan", "oifname", "wan", "udp", "dport", "443", "ct", "state", "new", "accept");

            _authority = LabAuthority.Create(Server, ServerIpv6);
            _trust = await TrustedHome.CreateAsync(_authority.AuthorityPath);
            _confer = await ConferProcess.StartAsync(new ConferProcessOptions
            {
                Bind = IPAddress.IPv6Any, // both families: the IPv6-only host reaches it too
                NetworkNamespace = _internet.Internet.Name,
                HttpsPort = 443,
                TurnPort = 3478,
                ExtraArguments =
                [
                    "--tls-cert", _authority.CertificatePath, "--tls-key", _authority.KeyPath,
                    "--keys", $"{Key}: {Secret}", "--open-rooms",
                    "--turn-tls-port", "443", // the HTTPS listener is the only TLS port
                    "--turn-udp-port", "443", // and STUN/TURN over UDP on 443 beside 3478
                    "--relay-ip", Server.ToString(), "--relay-ip", ServerIpv6.ToString(), // the dual-stack relay
                    "--allow-peer", "198.18.0.0/15", "--allow-peer", "fd00::/8", // the lab's "public" addresses are reserved ones
                    .. MoreServerArguments,
                ],
            });
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
        SetUpTime = clock.Elapsed;
    }

    /// <summary>A Chromium inside <paramref name="network"/>'s host, trusting the lab's CA (pages and TURN over TLS).</summary>
    internal Task<ChromiumSession> LaunchBrowserAsync(NatHome network) => LaunchBrowserAsync(network.Host);

    /// <summary>A Chromium inside <paramref name="host"/>, trusting the lab's CA.</summary>
    internal Task<ChromiumSession> LaunchBrowserAsync(NetworkNamespace host) => ChromiumSession.LaunchAsync(host, _trust!.Environment);

    /// <summary>A person in <paramref name="browser"/> who joins <paramref name="room"/> over HTTPS with the SDK (fake camera).</summary>
    /// <param name="optionsJson">The helper's join options as JSON (for example an <c>rtcConfig</c> with other ICE servers).</param>
    /// <param name="beforeJoin">A JS function evaluated before joining (e.g. to keep the page's peer connections).</param>
    internal static async Task<(IPage Page, string Identity)> JoinAsync(ChromiumSession browser, string origin, string room, string name, List<string> console,
        string optionsJson = "{}", string? beforeJoin = null)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { Permissions = ["camera", "microphone"], BypassCSP = true });
        var page = await context.NewPageAsync();
        page.Console += (_, m) => { lock (console) console.Add($"[{name}] {m.Type}: {m.Text}"); };
        await page.GotoAsync($"{origin}/healthz");
        await page.EvaluateAsync(PeerScript.Source);
        if (beforeJoin is not null) await page.EvaluateAsync(beforeJoin);
        var identity = await page.EvaluateAsync<string>("([room, name, opts]) => window.__peer.join(room, name, JSON.parse(opts))", new object[] { room, name, optionsJson });
        return (page, identity);
    }

    public async Task DisposeAsync()
    {
        if (_confer is not null) await _confer.DisposeAsync();
        if (_internet is not null) await _internet.DisposeAsync();
        _trust?.Dispose();
        _authority?.Dispose();
        (_confer, _internet, _trust, _authority) = (null, null, null, null);
    }
}
