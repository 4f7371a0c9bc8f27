using System.Diagnostics;
using System.Net;
using Confer.Browser.Tests.Meeting;
using Confer.Signaling.Auth;
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
            // Both nodes live in this one process and read its CPU (Chromium's work included): CPU would only add noise
            // to the placement, which these tests fix by where the first join lands (0: CPU not weighed).
            options.Cluster.MaxCpu = 0;
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

    /// <summary>
    /// WHIP through another node (docs/scale-out.md): GStreamer's webrtcbin (Whip/whip_publish.py) POSTs to node 1 for a
    /// room on node 0; its media goes to node 0's SFU, whose candidates the forwarded answer carries, and a Chromium
    /// subscriber on node 0 decodes it; the script's DELETE, also to node 1, ends the session on node 0.
    /// </summary>
    [Fact]
    public async Task GStreamerPublisher_ThroughTheOtherNode_BrowserOnTheRoomsNodeDecodesIt()
    {
        const string room = "whip-across";
        await StartNodesAsync("sfu");
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { BypassCSP = true });
        var bob = await context.NewPageAsync();
        await bob.GotoAsync(ConferHost.HttpAddress(_nodes[0]).ToString().TrimEnd('/') + "/healthz");
        Assert.Equal("sfu", await bob.EvaluateAsync<string>(Whip.WhipIngestTests.Subscriber, WhipToken(room, "bob"))); // the room is placed on node 0

        var script = Path.Combine(AppContext.BaseDirectory, "Whip", "whip_publish.py");
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, $"{ConferHost.HttpAddress(_nodes[1]).ToString().TrimEnd('/')}/whip/{room}", WhipToken(room, "encoder"), "120" })
            info.ArgumentList.Add(a);
        using var encoder = Process.Start(info)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        encoder.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        encoder.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue("stderr: " + e.Data); };
        encoder.BeginOutputReadLine();
        encoder.BeginErrorReadLine();
        try
        {
            var started = Stopwatch.StartNew();
            while (!output.Any(l => l.StartsWith("location ", StringComparison.Ordinal)) && started.Elapsed < TimeSpan.FromSeconds(20) && !encoder.HasExited)
                await Task.Delay(100);
            Assert.True(output.Any(l => l.StartsWith("location ", StringComparison.Ordinal)), "the encoder got no WHIP answer: " + string.Join("\n", output));
            var answered = started.Elapsed;
            Assert.True(_nodes[0].Services.GetRequiredService<RoomManager>().Holds(new RoomName(room)));
            Assert.False(_nodes[1].Services.GetRequiredService<RoomManager>().Holds(new RoomName(room)));

            var media = await MeetingHarness.WaitForAsync(bob, $"({Whip.WhipIngestTests.Received}).then((r) => r.videoFrames > 30 && r.audioPackets > 100 && r.width > 0 ? r : null)",
                Media, "bob to decode the encoder's test pattern and receive its Opus audio");
            Assert.Equal(320, media.GetProperty("width").GetInt32());
            Console.WriteLine($"WHIP through another node: answered after {answered.TotalMilliseconds:0} ms; {media.GetProperty("videoFrames")} video frames " +
                $"and {media.GetProperty("audioPackets")} audio packets by {started.Elapsed.TotalSeconds:0.0} s");

            using (var kill = Process.Start("kill", ["-TERM", encoder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await encoder.WaitForExitAsync(exit.Token);
            Assert.True(encoder.ExitCode == 0 && output.Contains("deleted 200"), "the encoder did not end its session: " + string.Join("\n", output));
            await MeetingHarness.WaitForAsync(bob, "window.__sfu.frames.some((x) => x.type === 'participantLeft' && x.identity === 'encoder')",
                TimeSpan.FromSeconds(5), "participantLeft for the encoder after its DELETE through node 1");
        }
        finally
        {
            if (!encoder.HasExited) encoder.Kill();
        }
    }

    private static string WhipToken(string room, string identity) => AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, identity,
        new VideoGrant { Room = room, RoomJoin = true }, DateTimeOffset.UtcNow, TimeSpan.FromHours(1), identity);

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
