using Microsoft.Playwright;

namespace Confer.Browser.Tests.Meeting;

/// <summary>The meeting app clicked through as a person would: open the link, type a name, Join, see the others.</summary>
public sealed class AppTests : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(20);
    private MeetingHarness _h = null!;

    /// <summary>When set, the tests save the README screenshots there (docs/).</summary>
    private static readonly string? ScreenshotDir = Environment.GetEnvironmentVariable("CONFER_SCREENSHOT_DIR");

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync();
    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task RoomPage_OpenLinkAndJoin_TwoPeopleSeeEachOther()
    {
        var rahim = await OpenAndJoinAsync("/room/team-sync", "Rahim");
        var aisha = await OpenAndJoinAsync("/room/team-sync", "Aisha");

        await WaitForTileVideoAsync(rahim, "Aisha");
        await WaitForTileVideoAsync(aisha, "Rahim");
        Assert.Equal("2", await rahim.InnerTextAsync("#people-count"));

        // Mute shows on the other side, leave removes the tile.
        await aisha.ClickAsync("[data-testid=mic]");
        await rahim.WaitForSelectorAsync(".tile[data-mic-muted=true]:has-text('Aisha')", new() { Timeout = 5000 });
        await aisha.ClickAsync("[data-testid=leave]");
        await aisha.WaitForSelectorAsync("[data-testid=left]:has-text('You left the meeting')", new() { Timeout = 5000 });
        await rahim.WaitForSelectorAsync(".tile:has-text('Aisha')", new() { State = WaitForSelectorState.Detached, Timeout = 5000 });
    }

    [Fact]
    public async Task StartPage_NewMeeting_OpensPrejoinWithPreview()
    {
        var page = await _h.NewPageAsync("/");
        await page.ClickAsync("[data-testid=new-meeting]");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/room/[a-z]{3}-[a-z]{4}-[a-z]{3}$"));
        await page.FillAsync("[data-testid=display-name]", "Rahim");
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=preview]').videoWidth > 0", null, new() { Timeout = 10000 });
        Assert.True(await page.Locator("[data-testid=cam-select] option").CountAsync() >= 1);
        if (ScreenshotDir is not null)
        {
            await page.WaitForTimeoutAsync(500);
            await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDir, "prejoin.png") });
        }
    }

    [Fact]
    public async Task RoomPage_ThreePeople_GridShowsEveryoneAndDiagnostics()
    {
        var a = await OpenAndJoinAsync("/room/design-review", "Rahim");
        var b = await OpenAndJoinAsync("/room/design-review", "Aisha");
        var c = await OpenAndJoinAsync("/room/design-review", "Mateo");
        try
        {
            foreach (var (page, others) in new[] { (a, new[] { "Aisha", "Mateo" }), (b, new[] { "Rahim", "Mateo" }), (c, new[] { "Rahim", "Aisha" }) })
                foreach (var other in others) await WaitForTileVideoAsync(page, other);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Assert.Fail(e.Message + "\nAll pages:\n" + await MeetingHarness.DescribeAsync(a, b, c));
        }

        await a.ClickAsync("[data-testid=diag-button]");
        await MeetingHarness.WaitForAsync(a,
            "(t => t.length === 2 && t.every(x => x.textContent.includes('Direct (host')))([...document.querySelectorAll('[data-testid=diagnostics] table')])",
            TimeSpan.FromSeconds(10), "two direct connections in the diagnostics panel");
        if (ScreenshotDir is not null)
        {
            await b.ClickAsync("[data-testid=mic]");
            await a.WaitForTimeoutAsync(1500);
            await a.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDir, "call.png") });
        }
    }

    [Fact]
    public async Task RoomPage_CameraDenied_JoinsToWatchWithAMessage()
    {
        var a = await OpenAndJoinAsync("/room/viewer-app", "Rahim");
        var page = await _h.NewPageAsync("/room/viewer-app", permissions: ["microphone"]);
        await MeetingHarness.DenyCameraAsync(page);
        await page.ReloadAsync();
        await page.FillAsync("[data-testid=display-name]", "Vera");
        await page.WaitForSelectorAsync("[data-testid=device-message]:has-text('You can still join to watch and listen')", new() { Timeout = 10000 });
        await page.ClickAsync("[data-testid=join]");
        await WaitForTileVideoAsync(page, "Rahim");
        // Rahim sees Vera's tile with her initials, no video.
        await a.WaitForSelectorAsync(".tile[data-cam-on=false]:has-text('Vera')", new() { Timeout = 5000 });
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

    /// <summary>The tile named <paramref name="name"/> plays video that has decoded frames.</summary>
    private static Task WaitForTileVideoAsync(IPage page, string name) =>
        MeetingHarness.WaitForAsync(page,
            $"[...document.querySelectorAll('.tile')].some(t => t.querySelector('.name')?.textContent === '{name}' && " +
            "(v => v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0)(t.querySelector('video')))",
            Media, $"{name}'s video in a tile");
}
