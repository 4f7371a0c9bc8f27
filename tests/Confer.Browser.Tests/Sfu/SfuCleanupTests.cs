using System.Diagnostics;
using Confer.Browser.Tests.Meeting;
using Confer.Server.Transport;
using Confer.Sfu.Ice;
using Confer.Sfu.Session;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Sfu;

/// <summary>
/// What the SFU holds for a call goes back to zero when the call ends: three Chromium participants send media through a
/// Confer running <c>--topology sfu</c>, then leave (or their pages just close, so the signaling resume grace and ICE
/// consent freshness, RFC 7675, must clean up). Rooms (each owns a router and its timer, with its producers and
/// consumers), media transports (each owns its DTLS and SRTP contexts), ICE sessions and paths and ICE-TCP connections
/// are counted on the server itself.
/// </summary>
public sealed class SfuCleanupTests : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(25);

    /// <summary>Closed pages: the resume grace and the consent timeout are short, so cleanup is bounded by a few seconds.</summary>
    private static readonly TimeSpan Cleanup = TimeSpan.FromSeconds(15);

    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync(o => o.Signaling.Topology = Confer.Signaling.Topologies.Sfu, withTurn: true,
        "--Signaling:ResumeGrace=00:00:02", "--Ice:ConsentTimeout=00:00:05", "--Ice:SweepInterval=00:00:00.500");

    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>What the SFU holds now, on the server's own objects.</summary>
    internal static (int Rooms, int Transports, int IceSessions, int IcePaths, int IceTcp) Counts(MeetingHarness h)
    {
        var sp = h.App.Services;
        return (sp.GetRequiredService<SfuService>().RoomCount, sp.GetRequiredService<SfuService>().TransportCount,
            sp.GetRequiredService<IceSessionTable>().Count, sp.GetRequiredService<IceSessionTable>().PathCount,
            sp.GetRequiredService<IceTcpConnections>().Open);
    }

    private async Task<IPage[]> CallAsync(string room)
    {
        var joined = new List<(IPage Page, string Identity)>();
        foreach (var name in new[] { "Alice", "Bob", "Carol" }) joined.Add(await _h.JoinAsync(room, name));
        foreach (var (page, me) in joined)
            await MeetingHarness.WaitForVideoFromAsync(page, Media, [.. joined.Where(x => x.Identity != me).Select(x => x.Identity)]);
        var during = Counts(_h);
        Console.WriteLine($"cleanup {room}: during the call {during}");
        Assert.True(during.Rooms == 1 && during.Transports == 6 && during.IceSessions >= 6 && during.IcePaths >= 6, during.ToString());
        return [.. joined.Select(x => x.Page)];
    }

    private async Task<TimeSpan> WaitForZeroAsync(string room)
    {
        var clock = Stopwatch.StartNew();
        var last = Counts(_h);
        while (last != (0, 0, 0, 0, 0) && clock.Elapsed < Cleanup)
        {
            await Task.Delay(100);
            last = Counts(_h);
        }
        Console.WriteLine($"cleanup {room}: {last} after {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(last == (0, 0, 0, 0, 0), $"still held after {Cleanup.TotalSeconds:0} s: {last}");
        return clock.Elapsed;
    }

    [Fact]
    public async Task ThreeLeave_EverythingTheSfuHeldIsGone()
    {
        var pages = await CallAsync("sfu-cleanup-leave");
        foreach (var page in pages) await page.EvaluateAsync("() => window.__peer.room.disconnect()");
        // Leaving is said on signaling: nothing waits for a timeout.
        Assert.True(await WaitForZeroAsync("sfu-cleanup-leave") < TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task ThreePagesClose_EverythingTheSfuHeldIsGone()
    {
        var pages = await CallAsync("sfu-cleanup-close");
        foreach (var page in pages) await page.Context.CloseAsync();
        await WaitForZeroAsync("sfu-cleanup-close");
    }

    /// <summary>
    /// The renderers crash (CDP Page.crash): the SDK says no leave and the peer connections die without a word; what is
    /// left to end the participants is the signaling connection's end (the resume grace, 2 s here) and ICE consent
    /// freshness (5 s here). Measured: zero 1.0–2.1 s after the crashes.
    /// </summary>
    [Fact]
    public async Task ThreePagesCrash_EverythingTheSfuHeldIsGone()
    {
        var pages = await CallAsync("sfu-cleanup-crash");
        var sessions = await Task.WhenAll(pages.Select(p => p.Context.NewCDPSessionAsync(p)));
        var clock = Stopwatch.StartNew();
        // Page.crash never answers: its target is gone. All three at once, each given a second.
        await Task.WhenAll(sessions.Select(async cdp =>
        {
            try { await cdp.SendAsync("Page.crash").WaitAsync(TimeSpan.FromSeconds(1)); }
            catch (Exception e) when (e is PlaywrightException or TimeoutException) { }
        }));
        await WaitForZeroAsync("sfu-cleanup-crash");
        var took = clock.Elapsed;
        Console.WriteLine($"cleanup sfu-cleanup-crash: zero {took.TotalMilliseconds:0} ms after the crashes");
    }
}
