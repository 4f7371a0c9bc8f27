using System.Diagnostics;
using System.Text.Json;
using Confer.Browser.Tests.Meeting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Sfu;

/// <summary>
/// Garbage on the SFU's media port during a call: two Chromium participants send video through a Confer running
/// <c>--topology sfu</c> while loopback sockets throw 20,000 seeded datagrams (<see cref="SfuMediaPortGarbage"/>) at the
/// STUN/TURN UDP port and RFC 4571 frames of garbage at the TCP port that serves ICE-TCP. The server stays up, both sides
/// keep decoding (the longest stall is measured), nobody is dropped, and the server's counts come back.
/// </summary>
public sealed class SfuGarbageTests : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(25);
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync(o => o.Signaling.Topology = Confer.Signaling.Topologies.Sfu, withTurn: true);
    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>The server's ufrags (from the remote descriptions) and the page's sending SSRCs (from its local ones).</summary>
    private const string Sdp = """
        () => {
          const ufrags = [], ssrcs = [];
          for (const pc of window.__pcs) {
            for (const m of (pc.remoteDescription?.sdp ?? '').matchAll(/a=ice-ufrag:(\S+)/g)) ufrags.push(m[1]);
            for (const m of (pc.localDescription?.sdp ?? '').matchAll(/a=ssrc:(\d+)/g)) ssrcs.push(Number(m[1]));
          }
          return { ufrags: [...new Set(ufrags)], ssrcs: [...new Set(ssrcs)] };
        }
        """;

    private static Task<long> FramesAsync(IPage page, string from) =>
        page.EvaluateAsync<long>($"() => window.__peer.videos().then((v) => v.filter((x) => x.identity === '{from}').reduce((n, x) => n + x.framesDecoded, 0))");

    [Fact]
    public async Task GarbageOnTheMediaPorts_DuringACall_TheCallKeepsDecoding()
    {
        var (a, alice) = await _h.JoinAsync("sfu-garbage", "Alice", beforeJoin: PeerScript.KeepConnections);
        var (b, bob) = await _h.JoinAsync("sfu-garbage", "Bob", beforeJoin: PeerScript.KeepConnections);
        await MeetingHarness.WaitForVideoFromAsync(a, Media, bob);
        await MeetingHarness.WaitForVideoFromAsync(b, Media, alice);
        await Task.Delay(2000); // let the selected pairs and paths settle

        var sdpA = await a.EvaluateAsync<JsonElement>(Sdp);
        var sdpB = await b.EvaluateAsync<JsonElement>(Sdp);
        var ufrags = sdpA.GetProperty("ufrags").EnumerateArray().Concat(sdpB.GetProperty("ufrags").EnumerateArray()).Select(x => x.GetString()!).ToList();
        var ssrcs = sdpA.GetProperty("ssrcs").EnumerateArray().Concat(sdpB.GetProperty("ssrcs").EnumerateArray()).Select(x => (uint)x.GetInt64()).ToList();
        Assert.NotEmpty(ufrags);
        Assert.NotEmpty(ssrcs);

        var before = SfuCleanupTests.Counts(_h);
        GC.Collect();
        long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        int seed = Environment.TickCount;
        Console.WriteLine($"garbage: seed {seed}; server ufrags {string.Join(",", ufrags)}; ssrcs {string.Join(",", ssrcs)}; counts before {before}");

        var garbage = new SfuMediaPortGarbage(new Random(seed), ufrags, ssrcs);
        var port = new Uri(_h.BaseUrl).Port;
        var clock = Stopwatch.StartNew();
        var sending = Task.WhenAll(garbage.SendUdpAsync(_h.App.Services.GetRequiredService<Confer.Server.Turn.TurnEndpoints>().Port, 20_000, TimeSpan.FromSeconds(10)),
            new SfuMediaPortGarbage(new Random(seed + 1), ufrags, ssrcs).SendTcpAsync(port, 4, TimeSpan.FromSeconds(10)));

        // Frames decoded on both sides, sampled while the garbage flows and two seconds after it.
        long atA = await FramesAsync(a, bob), atB = await FramesAsync(b, alice);
        var risenA = clock.Elapsed; var risenB = clock.Elapsed;
        TimeSpan stallA = TimeSpan.Zero, stallB = TimeSpan.Zero;
        var after = TimeSpan.MaxValue;
        while (clock.Elapsed < after && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(200);
            if (sending.IsCompleted && after == TimeSpan.MaxValue) after = clock.Elapsed + TimeSpan.FromSeconds(2);
            long nowA = await FramesAsync(a, bob), nowB = await FramesAsync(b, alice);
            // The stall: the longest time between two samples that saw the count rise (at least one sampling period).
            var now = clock.Elapsed;
            stallA = TimeSpan.FromTicks(Math.Max(stallA.Ticks, (now - risenA).Ticks));
            stallB = TimeSpan.FromTicks(Math.Max(stallB.Ticks, (now - risenB).Ticks));
            if (nowA > atA) { atA = nowA; risenA = now; }
            if (nowB > atB) { atB = nowB; risenB = now; }
        }
        await sending;
        Console.WriteLine($"garbage: frames decoded at Alice {atA}, at Bob {atB}");
        Console.WriteLine($"garbage: {garbage.Sent} datagrams in {clock.Elapsed.TotalSeconds:0.0} s; longest stall of frames decoded: at Alice {stallA.TotalMilliseconds:0} ms, at Bob {stallB.TotalMilliseconds:0} ms");
        // Paced at about 5,000 a second; a loaded machine may hit the 10 s bound first.
        Assert.True(garbage.Sent >= 15_000, $"only {garbage.Sent} datagrams sent");
        Assert.True(stallA < TimeSpan.FromSeconds(3) && stallB < TimeSpan.FromSeconds(3), $"stall at Alice {stallA}, at Bob {stallB}");

        // Nobody dropped: both still connected, each sees the other, and the server answers.
        foreach (var (page, other) in new[] { (a, bob), (b, alice) })
            Assert.True(await page.EvaluateAsync<bool>($"() => window.__peer.room.state === 'connected' && window.__peer.room.remoteParticipants.has('{other}')"));
        using (var http = new HttpClient())
            Assert.True((await http.GetAsync(_h.BaseUrl + "/healthz")).IsSuccessStatusCode);

        // Counts come back: no transport, session or path made from garbage (wrong passwords make no path), ICE-TCP closed.
        // Chromium may close its unused ICE-TCP connection (and path) meanwhile: nothing may grow, paths and ICE-TCP may shrink.
        static bool Back((int Rooms, int Transports, int IceSessions, int IcePaths, int IceTcp) now, (int Rooms, int Transports, int IceSessions, int IcePaths, int IceTcp) was) =>
            now.Rooms == was.Rooms && now.Transports == was.Transports && now.IceSessions == was.IceSessions && now.IcePaths <= was.IcePaths && now.IceTcp <= was.IceTcp;
        var countsAfter = SfuCleanupTests.Counts(_h);
        for (var until = DateTime.UtcNow + TimeSpan.FromSeconds(5); !Back(countsAfter, before) && DateTime.UtcNow < until; await Task.Delay(100))
            countsAfter = SfuCleanupTests.Counts(_h);
        GC.Collect();
        long memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"garbage: counts after {countsAfter}; managed memory {memoryBefore / 1024 / 1024} MB before, {memoryAfter / 1024 / 1024} MB after");
        Assert.True(Back(countsAfter, before), $"before {before}, after {countsAfter}");
        Assert.True(memoryAfter - memoryBefore < 64L << 20, $"managed memory grew by {(memoryAfter - memoryBefore) >> 20} MB");
    }
}
