using System.Net;
using Confer.Browser.Tests.Meeting;
using Confer.Cluster.Tests.Support;
using Confer.Server.Hosting;
using Confer.Server.Tests.Hosting;
using Confer.Signaling.Rooms;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Orleans.Runtime;

namespace Confer.Browser.Tests.Cluster;

/// <summary>
/// Two Chromium people in one room, each through a different node of a cluster (a real redis-server, two in-process
/// nodes): the one whose socket is not on the room's node is served through it (docs/scale-out.md), and both see each
/// other, peer to peer (mesh) and through the room node's SFU (sfu).
/// </summary>
public sealed class TwoNodeMeetingTests : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(30);
    private RedisProcess? _redis;
    private readonly List<WebApplication> _nodes = [];
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        _redis = await RedisProcess.StartAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = MeetingHarness.ChromiumArgs });
    }

    /// <summary>Two nodes with rooms of this topology, once both see the cluster of two.</summary>
    private async Task StartNodesAsync(string topology)
    {
        for (var i = 0; i < 2; i++)
        {
            var options = new ServerOptions
            {
                Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0, Dev = true,
                TurnSecret = "browser-cluster-turn-secret-0123456789",
            };
            options.Signaling.Topology = topology;
            options.Cluster.Redis = _redis!.Uri;
            options.Cluster.Port = DrainClient.FreePort();
            var app = ConferHost.Build(options, ["--Logging:LogLevel:Default=Warning"]);
            await app.StartAsync();
            _nodes.Add(app);
        }
        var deadline = Environment.TickCount64 + 30_000;
        while (_nodes.Any(n => n.Services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active) != 2))
        {
            Assert.True(Environment.TickCount64 < deadline, "the two nodes did not form a cluster within 30 s");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        foreach (var app in _nodes)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try { await app.StopAsync(cts.Token); } catch (OperationCanceledException) { }
            await app.DisposeAsync();
        }
        _redis?.Dispose();
    }

    [Theory]
    [InlineData("mesh")]
    [InlineData("sfu")]
    public async Task TwoBrowsers_ThroughTwoNodes_SeeEachOther(string topology)
    {
        await StartNodesAsync(topology);
        var (alice, aliceId) = await JoinAsync(_nodes[0], "across", "Alice"); // the room is placed on node 0
        var (bob, bobId) = await JoinAsync(_nodes[1], "across", "Bob");       // served through node 0
        Assert.True(_nodes[0].Services.GetRequiredService<RoomManager>().Holds(new RoomName("across")));
        Assert.False(_nodes[1].Services.GetRequiredService<RoomManager>().Holds(new RoomName("across")));
        await MeetingHarness.WaitForVideoFromAsync(alice, Media, bobId);
        await MeetingHarness.WaitForVideoFromAsync(bob, Media, aliceId);
    }

    /// <summary>A person whose page and signaling socket are on <paramref name="node"/>.</summary>
    private async Task<(IPage Page, string Identity)> JoinAsync(WebApplication node, string room, string name)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { Permissions = ["camera", "microphone"], BypassCSP = true });
        var page = await context.NewPageAsync();
        page.Console += (_, m) => { if (m.Type is "error" or "warning") Console.WriteLine($"[browser {m.Type}] {m.Text}"); };
        await page.GotoAsync(ConferHost.HttpAddress(node).ToString().TrimEnd('/') + "/healthz");
        await page.EvaluateAsync(PeerScript.Source);
        var identity = await page.EvaluateAsync<string>("([room, name]) => window.__peer.join(room, name, {})", new object[] { room, name });
        return (page, identity);
    }
}
