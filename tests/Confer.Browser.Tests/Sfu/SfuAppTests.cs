using Microsoft.Playwright;
using Confer.Browser.Tests.Meeting;

namespace Confer.Browser.Tests.Sfu;

/// <summary>The meeting app (client/app), unchanged, on a server whose rooms take media through the SFU.</summary>
public sealed class SfuAppTests : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(25);
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync(o => o.Signaling.Topology = Confer.Signaling.Topologies.Sfu, withTurn: true);
    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task RoomPage_ThreePeopleThroughTheSfu_TilesShowEachOthersVideo()
    {
        var a = await OpenAndJoinAsync("/room/sfu-review", "Rahim");
        var b = await OpenAndJoinAsync("/room/sfu-review", "Aisha");
        var c = await OpenAndJoinAsync("/room/sfu-review", "Mateo");
        try
        {
            foreach (var (page, others) in new[] { (a, new[] { "Aisha", "Mateo" }), (b, new[] { "Rahim", "Mateo" }), (c, new[] { "Rahim", "Aisha" }) })
                foreach (var other in others) await WaitForTileVideoAsync(page, other);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Assert.Fail(e.Message + "\nAll pages:\n" + await MeetingHarness.DescribeAsync(a, b, c));
        }
        Assert.Equal("sfu", await a.EvaluateAsync<string>("() => window.conferRoom._describeEngine().topology"));

        // The diagnostics panel names the path in words: both others through the SFU, over the transport the selected
        // pair uses (on this loopback machine UDP, or ICE-TCP, or TURN, whichever Chromium selected).
        await a.ClickAsync("[data-testid=diag-button]");
        var paths = await MeetingHarness.WaitForAsync(a,
            "(t => t.length === 2 && t.every(x => /Through Confer's SFU over (UDP|TCP|TURN)/.test(x.textContent)) ? t.map(x => x.textContent) : null)([...document.querySelectorAll('[data-testid=diagnostics] table')])",
            TimeSpan.FromSeconds(10), "two connections through the SFU in the diagnostics panel");
        Assert.Equal(2, paths.GetArrayLength());
    }

    private async Task<IPage> OpenAndJoinAsync(string path, string name)
    {
        var page = await _h.NewPageAsync(path);
        await page.FillAsync("[data-testid=display-name]", name);
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=preview]').videoWidth > 0", null, new() { Timeout = 10000 });
        await page.ClickAsync("[data-testid=join]");
        await page.WaitForSelectorAsync("[data-testid=grid] .tile.local", new() { Timeout = 10000 });
        return page;
    }

    private static Task WaitForTileVideoAsync(IPage page, string name) =>
        MeetingHarness.WaitForAsync(page,
            $"[...document.querySelectorAll('.tile')].some(t => t.querySelector('.name')?.textContent === '{name}' && " +
            "(v => v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0)(t.querySelector('video')))",
            Media, $"{name}'s video in a tile");
}
