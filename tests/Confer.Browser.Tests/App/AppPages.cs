using Confer.Browser.Tests.Meeting;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.App;

/// <summary>What a person does in the meeting app, shared by the App tests: open a link, type a name, join.</summary>
internal static class AppPages
{
    public static readonly TimeSpan MediaTimeout = TimeSpan.FromSeconds(20);

    public static async Task<IPage> OpenAndJoinAsync(MeetingHarness h, string path, string name, int width = 1280, int height = 800)
    {
        var page = await h.NewPageAsync(path, width: width, height: height);
        await page.FillAsync("[data-testid=display-name]", name);
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=preview]').videoWidth > 0", null, new() { Timeout = 10000 });
        await page.ClickAsync("[data-testid=join]");
        await page.WaitForSelectorAsync("[data-testid=grid] .tile.local", new() { Timeout = 10000 });
        return page;
    }

    /// <summary>JS: the tile whose name label reads <paramref name="name"/> (camera tiles only).</summary>
    public static string Tile(string name) =>
        $"[...document.querySelectorAll('[data-testid=tile]')].find(t => t.querySelector('.name')?.textContent === '{name}')";

    /// <summary>The tile named <paramref name="name"/> plays video that has decoded frames.</summary>
    public static Task WaitForTileVideoAsync(IPage page, string name) =>
        MeetingHarness.WaitForAsync(page,
            $"(t => t && (v => v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0)(t.querySelector('video')))({Tile(name)})",
            MediaTimeout, $"{name}'s video in a tile");

    /// <summary>JS returning an element's box as {x, y, w, h}.</summary>
    public const string Box = "(el => { const r = el.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; })";
}
