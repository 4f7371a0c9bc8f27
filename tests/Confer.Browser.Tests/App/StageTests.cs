using System.Text.Json;
using Confer.Browser.Tests.Meeting;
using Microsoft.Playwright;
using static Confer.Browser.Tests.App.AppPages;

namespace Confer.Browser.Tests.App;

/// <summary>
/// The stage as two people see it in real Chromium: videos letterboxed, never cropped; a screen share on the main
/// stage with cameras in a strip; pin, full screen and paging; raised hands and reactions seen by the other.
/// </summary>
public sealed class StageTests : IAsyncLifetime
{
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync();
    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task TilesLetterboxAndHugTheVideo_HandsInOrderLateJoinerLearnsThem_ReactionSeen()
    {
        var rahim = await OpenAndJoinAsync(_h, "/room/stage-hands", "Rahim");
        var aisha = await OpenAndJoinAsync(_h, "/room/stage-hands", "Aisha");
        await WaitForTileVideoAsync(rahim, "Aisha");
        await WaitForTileVideoAsync(aisha, "Rahim");

        // The rendered picture is the whole video: object-fit contain, and the tile has the video's shape, so
        // (almost) no bars either.
        var fit = await rahim.EvaluateAsync<JsonElement>($$"""
            (t => { const v = t.querySelector('video'); const r = v.getBoundingClientRect();
                    const s = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
                    return { fit: getComputedStyle(v).objectFit, shown: (v.videoWidth * s * v.videoHeight * s) / (r.width * r.height),
                             videoAspect: v.videoWidth / v.videoHeight, boxAspect: r.width / r.height }; })({{Tile("Aisha")}})
            """);
        Assert.Equal("contain", fit.GetProperty("fit").GetString());
        Assert.InRange(fit.GetProperty("boxAspect").GetDouble() / fit.GetProperty("videoAspect").GetDouble(), 0.97, 1.03);
        Assert.True(fit.GetProperty("shown").GetDouble() > 0.95, $"video fills its tile: {fit}");

        // Rahim raises his hand with the keyboard; Mateo, joining after, learns it; then Mateo raises his with the button.
        await rahim.Keyboard.PressAsync("h");
        await rahim.WaitForFunctionAsync($"() => {Tile("Rahim (you)")}?.dataset.hand === '1'", null, new() { Timeout = 5000 });
        await aisha.ClickAsync("[data-testid=leave]");
        var mateo = await OpenAndJoinAsync(_h, "/room/stage-hands", "Mateo");
        await mateo.WaitForFunctionAsync($"() => {Tile("Rahim")}?.dataset.hand === '1'", null, new() { Timeout = 5000 });
        await mateo.ClickAsync("[data-testid=hand]");
        await rahim.WaitForFunctionAsync($"() => {Tile("Mateo")}?.dataset.hand === '2'", null, new() { Timeout = 5000 });
        await mateo.ClickAsync("[data-testid=people-button]");
        var order = await mateo.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('[data-testid=people] li')].map(li => `${li.dataset.hand ?? '-'} ${li.querySelector('.person').textContent}`)");
        Assert.Equal(["1 Rahim", "2 Mateo (you)"], order);

        // A reaction floats over the sender's tile on the other side.
        await rahim.ClickAsync("[data-testid=react]");
        await rahim.ClickAsync("[data-testid=react-menu] button[data-emoji='🎉']");
        await mateo.WaitForFunctionAsync($"() => {Tile("Rahim")}?.querySelector('.reaction')?.textContent === '🎉'", null, new() { Timeout = 5000 });

        // Rahim leaves with his hand up: Mateo's hand becomes the first; Mateo lowers his and the list is clear.
        await rahim.Keyboard.PressAsync("Control+Shift+L");
        await rahim.WaitForSelectorAsync("[data-testid=left]", new() { Timeout = 5000 });
        await mateo.WaitForFunctionAsync("() => [...document.querySelectorAll('[data-testid=people] li')].map(li => li.dataset.hand ?? '-').join() === '1'", null, new() { Timeout = 5000 });
        await mateo.Keyboard.PressAsync("h");
        await mateo.WaitForFunctionAsync("() => ![...document.querySelectorAll('[data-testid=people] li, [data-testid=tile]')].some(el => el.dataset.hand)", null, new() { Timeout = 5000 });
    }

    [Fact]
    public async Task ScreenShare_TakesTheStage_PinMovesACameraThere()
    {
        var rahim = await OpenAndJoinAsync(_h, "/room/stage-share", "Rahim");
        var aisha = await OpenAndJoinAsync(_h, "/room/stage-share", "Aisha");
        await WaitForTileVideoAsync(aisha, "Rahim");

        await rahim.ClickAsync("[data-testid=screen]");
        await MeetingHarness.WaitForAsync(aisha,
            "(v => v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0)(document.querySelector('[data-testid=screen-tile] video'))",
            MediaTimeout, "Rahim's screen on Aisha's stage");
        var share = await StageShareAsync(aisha, "document.querySelector('[data-testid=screen-tile]')");
        Assert.True(share.Main > 0.6, $"the share takes {share.Main:P0} of the stage");
        Assert.True(share.Largest < 0.1, $"cameras sit in a strip; the largest takes {share.Largest:P0}");
        if (Environment.GetEnvironmentVariable("CONFER_SCREENSHOT_DIR") is { } dir)
        {
            await aisha.WaitForTimeoutAsync(1000);
            await aisha.ScreenshotAsync(new() { Path = Path.Combine(dir, "stage.png") });
        }

        // Aisha pins Rahim's camera: it takes the stage, the share goes to the strip; U unpins.
        await aisha.HoverAsync("[data-testid=tile]:has-text('Rahim')");
        await aisha.ClickAsync("[data-testid=tile]:has-text('Rahim') button.pin");
        var pinned = await StageShareAsync(aisha, Tile("Rahim"));
        Assert.True(pinned.Main > 0.6, $"the pinned camera takes {pinned.Main:P0} of the stage");
        Assert.True(pinned.Largest < 0.1, $"the share and Aisha sit in the strip; the largest takes {pinned.Largest:P0}");
        await aisha.Keyboard.PressAsync("u");
        Assert.True((await StageShareAsync(aisha, "document.querySelector('[data-testid=screen-tile]')")).Main > 0.6);

        // Full screen for the share.
        await aisha.HoverAsync("[data-testid=screen-tile]");
        await aisha.ClickAsync("[data-testid=screen-tile] button.full");
        await aisha.WaitForFunctionAsync("() => document.fullscreenElement?.dataset.testid === 'screen-tile'", null, new() { Timeout = 5000 });
    }

    [Fact]
    public async Task NarrowStage_MoreTilesThanFit_PagesAndOnlyTheVisibleHoldVideo()
    {
        var rahim = await OpenAndJoinAsync(_h, "/room/stage-pages", "Rahim");
        var aisha = await OpenAndJoinAsync(_h, "/room/stage-pages", "Aisha", width: 300, height: 700);
        await WaitForTileVideoAsync(aisha, "Rahim");
        await rahim.ClickAsync("[data-testid=screen]");
        await aisha.WaitForSelectorAsync("[data-testid=screen-tile] video", new() { Timeout = 20000 });

        // On a 300 px wide stage the strip under the share holds one camera: two pages of one.
        const string state = "() => ({ label: document.querySelector('[data-testid=page-label]').textContent, " +
            "shown: [...document.querySelectorAll('[data-testid=tile]')].filter(t => !t.hidden).map(t => t.querySelector('.name').textContent), " +
            "withVideo: [...document.querySelectorAll('[data-testid=tile]')].filter(t => t.querySelector('video')).map(t => t.querySelector('.name').textContent) })";
        await aisha.WaitForSelectorAsync("[data-testid=page-next]:visible", new() { Timeout = 5000 });
        var first = await aisha.EvaluateAsync<JsonElement>(state);
        Assert.Equal("1 / 2", first.GetProperty("label").GetString());
        Assert.Equal(1, first.GetProperty("shown").GetArrayLength());
        Assert.Equal(first.GetProperty("shown").ToString(), first.GetProperty("withVideo").ToString());

        await aisha.ClickAsync("[data-testid=page-next]");
        var second = await aisha.EvaluateAsync<JsonElement>(state);
        Assert.Equal("2 / 2", second.GetProperty("label").GetString());
        Assert.NotEqual(first.GetProperty("shown").ToString(), second.GetProperty("shown").ToString());
        Assert.True(second.GetProperty("withVideo").GetArrayLength() <= 1);
        Assert.Equal(0, await aisha.EvaluateAsync<int>("() => [...document.querySelectorAll('[data-testid=tile]')].filter(t => t.hidden && t.querySelector('video')).length"));
    }

    /// <summary>The main tile's share of the stage's area, and the largest other visible tile's.</summary>
    private static async Task<(double Main, double Largest)> StageShareAsync(IPage page, string mainTile)
    {
        var areas = await MeetingHarness.WaitForAsync(page, $$"""
            (() => { const g = document.querySelector('[data-testid=grid]').getBoundingClientRect(); const main = {{mainTile}};
                     const a = el => { const r = el.getBoundingClientRect(); return r.width * r.height / (g.width * g.height); };
                     const others = [...document.querySelectorAll('.tile')].filter(t => t !== main && !t.hidden).map(a);
                     return main && main.classList.contains('main') ? { main: a(main), largest: Math.max(0, ...others) } : null; })()
            """, TimeSpan.FromSeconds(5), "the main tile on the stage");
        return (areas.GetProperty("main").GetDouble(), areas.GetProperty("largest").GetDouble());
    }
}
