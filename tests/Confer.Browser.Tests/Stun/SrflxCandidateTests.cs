using System.Net;
using Confer.Browser.Tests.Infrastructure;
using Confer.Turn.Tests.Infrastructure;

namespace Confer.Browser.Tests.Stun;

/// <summary>
/// A real browser learns its public address from the STUN server. On loopback alone Chromium drops a server
/// reflexive candidate equal to its host candidate, so the browser sits in a home network behind a NAT router
/// (network namespaces, <see cref="VirtualInternet"/>) and the server listens on the private internet beyond it.
/// The same test runs against coturn as the anchor that proves the set-up.
/// </summary>
public sealed class SrflxCandidateTests
{
    private static readonly TimeSpan GatherTime = TimeSpan.FromSeconds(10);

    public enum Server
    {
        Confer,
        Coturn,
    }

    [Theory]
    [InlineData(Server.Confer)]
    [InlineData(Server.Coturn)]
    public async Task Gathering_BehindNat_YieldsSrflxWithTheRoutersWanAddress(Server server)
    {
        await using var internet = await VirtualInternet.CreateAsync();
        var home = await internet.AddNatHomeAsync();
        await using var stun = await StartServerAsync(server, internet);
        await using var chromium = await ChromiumSession.LaunchAsync(home.Host);
        await using var context = await chromium.NewContextAsync();
        var page = await chromium.NewBlankSecurePageAsync(context);

        var gathered = await IceGathering.GatherAsync(page, [new { urls = $"stun:{stun.EndPoint}" }], GatherTime);

        var report = $"{gathered}\n--- server ---\n{stun.Output}";
        var srflx = gathered.OfType("srflx").Where(c => c.Protocol == "udp").ToList();
        Assert.True(srflx.Count > 0, $"no srflx candidate from {stun.EndPoint}.\n{report}");
        // The server must report what it saw: the router's WAN address after masquerade. The browser's own
        // LAN address (what a server that echoed the packet's inner view, or a broken XOR, might produce) is wrong.
        Assert.All(srflx, c => Assert.Equal(home.WanAddress.ToString(), c.Address));
        Assert.DoesNotContain(srflx, c => c.Address == home.HostAddress.ToString());
        Assert.All(srflx, c => Assert.InRange(c.Port ?? 0, 1, 65535));
        // The host candidate really is the LAN address, so the srflx differs from it because of the NAT.
        Assert.Contains(gathered.OfType("host"), c => c.Address == home.HostAddress.ToString());
    }

    [Fact]
    public async Task Gathering_StunPortWithNoServer_YieldsNoSrflx()
    {
        // Negative control: the srflx candidate above exists only because a server answered. Same topology, a
        // STUN URL where nothing listens: the browser must gather host candidates and no srflx.
        await using var internet = await VirtualInternet.CreateAsync();
        var home = await internet.AddNatHomeAsync();
        await using var chromium = await ChromiumSession.LaunchAsync(home.Host);
        await using var context = await chromium.NewContextAsync();
        var page = await chromium.NewBlankSecurePageAsync(context);

        var gathered = await IceGathering.GatherAsync(page, [new { urls = $"stun:{VirtualInternet.ServerAddress}:3478" }], TimeSpan.FromSeconds(4));

        Assert.Contains(gathered.OfType("host"), c => c.Address == home.HostAddress.ToString());
        Assert.Empty(gathered.OfType("srflx"));
    }

    private static async Task<RunningStunServer> StartServerAsync(Server server, VirtualInternet internet)
    {
        if (server == Server.Confer)
        {
            var confer = await ConferProcess.StartAsync(new ConferProcessOptions
            {
                Bind = VirtualInternet.ServerAddress,
                NetworkNamespace = internet.Internet.Name,
            });
            return new RunningStunServer(confer.StunEndPoint, () => confer.Output, confer);
        }
        var coturn = await CoturnProcess.StartAsync(new CoturnProcessOptions
        {
            ListeningIPs = [VirtualInternet.ServerAddress],
            NetworkNamespace = internet.Internet.Name,
        });
        return new RunningStunServer(coturn.StunEndPoint, () => coturn.Output, coturn);
    }

    private sealed class RunningStunServer(IPEndPoint endPoint, Func<string> output, IAsyncDisposable process) : IAsyncDisposable
    {
        public IPEndPoint EndPoint => endPoint;
        public string Output => output();
        public ValueTask DisposeAsync() => process.DisposeAsync();
    }
}
