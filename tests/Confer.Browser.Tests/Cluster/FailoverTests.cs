using System.Text.Json;
using Confer.Browser.Tests.Meeting;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Confer.Browser.Tests.Cluster;

/// <summary>
/// Issue 17, item 7: a call across a cluster whose room's node dies mid-call. Three real <c>confer serve</c> processes
/// behind haproxy (the shipped config, <see cref="FailoverCluster"/>), two Chromium people who know only haproxy's
/// address. Alice's socket is on the room's node (the room was placed where her join landed), Bob's on another node
/// (the room's node is drained in haproxy while he joins). Then the room's node gets <c>kill -9</c> or <c>SIGSTOP</c>:
/// Alice's socket dies with it, Bob's node tells him to join again once the node is declared dead; both come back
/// through haproxy to a live node, where the room is made anew, and each must see the other's video flowing again
/// within the bound. The gap from the signal to video again is printed for each person.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(35);
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private readonly List<(long At, string Text)> _console = [];

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task LaunchAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = MeetingHarness.ChromiumArgs });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
    }

    /// <param name="topology">The rooms' topology: <c>sfu</c> (media through the room node's SFU, which dies with it) or <c>mesh</c>.</param>
    /// <param name="signal"><c>KILL</c> (a crash: its port refuses) or <c>STOP</c> (a hang: found by missed probes only).</param>
    /// <param name="boundSeconds">The most the test allows from the signal to video flowing again, for each person.</param>
    /// <remarks>
    /// A hang is allowed 15 s: found by missed probes only (6–8 s), then the told socket's spread and the media. It holds
    /// because a clustered node speaks HTTP/1.1 only: over HTTP/2 Chromium put the signaling WebSocket on the page's
    /// connection (RFC 8441), and every reconnect went into that hung connection for about 20 s more.
    /// </remarks>
    [Theory]
    [InlineData("sfu", "KILL", 10)]
    [InlineData("mesh", "KILL", 10)]
    [InlineData("sfu", "STOP", 15)]
    public async Task RoomsNode_KilledOrHungMidCall_VideoFlowsAgainThroughTheService(string topology, string signal, int boundSeconds)
    {
        await LaunchAsync();
        await using var cluster = await FailoverCluster.StartAsync(topology);
        var (a, alice) = await JoinAsync(cluster, "Alice");
        var holding = await cluster.NodesHoldingARoomAsync();
        var roomNode = Assert.Single(holding);
        await cluster.SetDrainedAsync(roomNode, true);
        var (b, bob) = await JoinAsync(cluster, "Bob");
        await cluster.SetDrainedAsync(roomNode, false);
        Assert.Equal(holding, await cluster.NodesHoldingARoomAsync());
        await MeetingHarness.WaitForVideoFromAsync(b, Media, alice);
        await MeetingHarness.WaitForVideoFromAsync(a, Media, bob);
        output.WriteLine($"room on node{roomNode + 1}; haproxy sessions per node: {string.Join(", ", await cluster.SessionsAsync())}");

        var people = new[] { (Page: a, Name: alice, Other: bob), (Page: b, Name: bob, Other: alice) };
        foreach (var p in people) await VideoFlow.StartAsync(p.Page);
        await Task.Delay(1000); // frames advancing before the failure
        var signalled = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        cluster.Signal(roomNode, signal);
        foreach (var p in people) await VideoFlow.MarkAsync(p.Page, signalled);

        var back = new long?[people.Length];
        var lastHealth = "UP";
        var deadline = signalled + (long)Watch.TotalMilliseconds;
        while (back.Any(x => x is null) && DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() < deadline)
        {
            for (var i = 0; i < people.Length; i++) back[i] ??= await VideoFlow.BackAtAsync(people[i].Page, people[i].Other);
            var health = await cluster.HealthAsync(roomNode);
            if (health != lastHealth) lock (_console) _console.Add((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), $"haproxy: the room's node is {lastHealth = health}"));
            await Task.Delay(100);
        }

        var lines = new List<string>();
        for (var i = 0; i < people.Length; i++)
        {
            var (page, name, other) = people[i];
            var reconnected = await VideoFlow.ReconnectedAtAsync(page);
            var how = await page.EvaluateAsync<string>($"() => window.__peer.events.filter(e => e.ev === 'reconnecting' && e.t >= {signalled}).map(e => e.arg).join(',')");
            lines.Add($"{name} ({how}): back in the room {Gap(reconnected)}, {other}'s video again {Gap(back[i])}, longest pause {await VideoFlow.LongestPauseAsync(page, other)} ms");
        }
        var report = $"SIG{signal} of the room's node (node{roomNode + 1}), {topology}: " + string.Join("; ", lines);
        output.WriteLine(report);
        Console.WriteLine(report);
        lock (_console)
            foreach (var (at, text) in _console.Where(c => c.At >= signalled - 2000))
                output.WriteLine($"{at - signalled,7} ms {(text.Length > 200 ? text[..200] : text)}");

        for (var i = 0; i < people.Length; i++)
        {
            Assert.True(back[i] is not null, $"{people[i].Name} did not see {people[i].Other}'s video again within {Watch.TotalSeconds:0} s. {report}\n" +
                $"{await MeetingHarness.DescribeAsync(people[i].Page)}\n" +
                string.Join("\n", Enumerable.Range(0, cluster.Nodes.Count).Select(n => $"node{n + 1}{(n == roomNode ? " (the room's)" : "")}:\n{cluster.Output(n)}")));
            Assert.True(back[i] - signalled <= boundSeconds * 1000, $"{people[i].Name}: video back after more than {boundSeconds} s. {report}");
        }

        // What each person sees now: the same other person, video still advancing, never disconnected; the room on a live node.
        foreach (var (page, name, other) in people)
        {
            Assert.Equal([other], await page.EvaluateAsync<string[]>("() => window.__peer.remotes()"));
            Assert.Equal(0, await page.EvaluateAsync<int>("() => window.__peer.count('disconnected')"));
            await MeetingHarness.WaitForAsync(page, $"(() => {{ const t = window.__flow.last[{JsonSerializer.Serialize(other)}]; return t !== undefined && Date.now() - t < 1000; }})()",
                TimeSpan.FromSeconds(5), $"{other}'s video still advancing on {name}'s page");
        }
        var now = Assert.Single(await cluster.NodesHoldingARoomAsync());
        Assert.NotEqual(roomNode, now);

        string Gap(long? at) => at is { } t ? $"after {t - signalled} ms" : "never";
    }

    /// <summary>A person on their own browser context whose page, token and signaling socket all go through the service's address.</summary>
    private async Task<(IPage Page, string Identity)> JoinAsync(FailoverCluster cluster, string name)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
            { Permissions = ["camera", "microphone"], BypassCSP = true, IgnoreHTTPSErrors = true }); // --dev's self-signed certificates
        var page = await context.NewPageAsync();
        page.Console += (_, m) =>
        {
            if (m.Text.StartsWith("confer:", StringComparison.Ordinal) || m.Type is "error")
                lock (_console) _console.Add((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), $"{name}: {m.Text}"));
        };
        await page.GotoAsync(cluster.Address + "/healthz");
        await page.EvaluateAsync(PeerScript.Source);
        var identity = await page.EvaluateAsync<string>("([room, name]) => window.__peer.join(room, name, {})", new object[] { "failover", name });
        return (page, identity);
    }
}
