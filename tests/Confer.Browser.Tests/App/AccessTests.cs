using System.Text.Json;
using Confer.Browser.Tests.Meeting;
using Microsoft.Playwright;
using static Confer.Browser.Tests.App.AppPages;

namespace Confer.Browser.Tests.App;

/// <summary>
/// The meeting app by keyboard, on a phone and before joining: shortcuts seen by the other person, every control
/// named, WCAG AA text contrast, no sideways scrolling at 390×844, the level meter and speaker test, and the plain
/// explanation a page opened over plain HTTP gives instead of a TypeError.
/// </summary>
public sealed class AccessTests : IAsyncLifetime
{
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync();
    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>Every button, select and text field that has no accessible name (aria-label, a label, or text).</summary>
    internal const string Unnamed = """
        () => [...document.querySelectorAll('button, select, input, [role=menuitem]')].filter(el => {
          const by = el.getAttribute('aria-labelledby');
          const name = el.getAttribute('aria-label') || (by && document.getElementById(by)?.textContent) ||
                       (el.labels && [...el.labels].map(l => l.textContent).join('')) || (el.tagName === 'BUTTON' ? el.textContent : '');
          return !name || !name.trim();
        }).map(el => el.outerHTML.slice(0, 120))
        """;

    /// <summary>Visible text whose contrast with the background behind it is below 4.5:1 (WCAG AA).</summary>
    internal const string LowContrast = """
        () => {
          const rgb = s => { const m = s.match(/[\d.]+/g) || []; return m.map(Number); };
          const lum = ([r, g, b]) => [r, g, b].map(c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; })
                                               .reduce((a, c, i) => a + c * [0.2126, 0.7152, 0.0722][i], 0);
          const bg = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length === 3 || (c[3] ?? 0) >= 0.5) return c.slice(0, 3); } return [32, 33, 36]; };
          const bad = [];
          for (const el of document.querySelectorAll('body *')) {
            if (!el.checkVisibility?.() || ![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
            const s = getComputedStyle(el);
            if (s.opacity === '0' || el.closest('button:disabled')) continue;
            const a = lum(rgb(s.color)), b = lum(bg(el));
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (ratio < 4.5) bad.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
          }
          return bad;
        }
        """;

    [Fact]
    public async Task Keyboard_ShortcutsSeenByTheOther_EveryControlNamedAndReadable()
    {
        var rahim = await OpenAndJoinAsync(_h, "/room/keys", "Rahim");
        var aisha = await OpenAndJoinAsync(_h, "/room/keys", "Aisha");
        await WaitForTileVideoAsync(aisha, "Rahim");

        await rahim.Keyboard.PressAsync("m");
        await aisha.WaitForFunctionAsync($"() => {Tile("Rahim")}?.dataset.micMuted === 'true'", null, new() { Timeout = 5000 });
        await rahim.Keyboard.PressAsync("m");
        await aisha.WaitForFunctionAsync($"() => {Tile("Rahim")}?.dataset.micMuted === 'false'", null, new() { Timeout = 5000 });
        await rahim.Keyboard.PressAsync("v");
        await aisha.WaitForFunctionAsync($"() => {Tile("Rahim")}?.dataset.camOn === 'false'", null, new() { Timeout = 5000 });

        // Typing a chat message that contains "m" does not mute.
        await rahim.Keyboard.PressAsync("c");
        await rahim.WaitForFunctionAsync("() => document.activeElement?.id === 'chat-input'", null, new() { Timeout = 5000 });
        await rahim.Keyboard.TypeAsync("hello team");
        await rahim.Keyboard.PressAsync("Enter");
        await aisha.WaitForSelectorAsync("[data-testid=chat-log] li:has-text('hello team')", new() { State = WaitForSelectorState.Attached, Timeout = 5000 });
        Assert.Equal("false", await aisha.EvaluateAsync<string>($"() => {Tile("Rahim")}.dataset.micMuted"));

        // Every control has a name; keyboard focus is visible; text passes AA.
        await rahim.Keyboard.PressAsync("Escape");
        Assert.Empty(await rahim.EvaluateAsync<string[]>(Unnamed));
        await rahim.FocusAsync("[data-testid=mic]");
        await rahim.Keyboard.PressAsync("Tab");
        Assert.NotEqual("none", await rahim.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle"));
        Assert.Empty(await rahim.EvaluateAsync<string[]>(LowContrast));

        // "?" lists the shortcuts.
        await rahim.EvaluateAsync("() => document.activeElement.blur()");
        await rahim.Keyboard.PressAsync("?");
        await rahim.WaitForSelectorAsync("[data-testid=help]:has-text('Leave the meeting')", new() { Timeout = 3000 });
        Assert.Empty(await rahim.EvaluateAsync<string[]>(LowContrast));
    }

    [Fact]
    public async Task Phone_Upright_NoSidewaysScrollControlsReachableTilesStacked()
    {
        var phone = await _h.NewPageAsync("/room/phone", width: 390, height: 844);
        Assert.True(await phone.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= innerWidth"), "pre-join fits the width");
        Assert.Empty(await phone.EvaluateAsync<string[]>(Unnamed));
        await phone.FillAsync("[data-testid=display-name]", "Rahim");
        await phone.WaitForFunctionAsync("() => document.querySelector('[data-testid=preview]').videoWidth > 0", null, new() { Timeout = 10000 });
        await phone.ClickAsync("[data-testid=join]");
        await OpenAndJoinAsync(_h, "/room/phone", "Aisha");
        await WaitForTileVideoAsync(phone, "Aisha");

        var layout = await phone.EvaluateAsync<JsonElement>($$"""
            () => ({ scroll: document.documentElement.scrollWidth - innerWidth,
                     offscreen: [...document.querySelectorAll('footer button')].filter(b => b.checkVisibility()).filter(b => { const r = b.getBoundingClientRect();
                                 return r.left < 0 || r.right > innerWidth || r.bottom > innerHeight || r.width < 24; }).map(b => b.id || b.outerHTML.slice(0, 60)),
                     me: {{Box}}({{Tile("Rahim (you)")}}), other: {{Box}}({{Tile("Aisha")}}) })
            """);
        Assert.True(layout.GetProperty("scroll").GetDouble() <= 0, $"no sideways scroll: {layout}");
        Assert.True(layout.GetProperty("offscreen").GetArrayLength() == 0, $"controls reachable: {layout}");
        var me = layout.GetProperty("me");
        var other = layout.GetProperty("other");
        Assert.True(Math.Abs(me.GetProperty("x").GetDouble() - other.GetProperty("x").GetDouble()) < 2, $"stacked: {layout}");
        Assert.True(me.GetProperty("y").GetDouble() + me.GetProperty("h").GetDouble() <= other.GetProperty("y").GetDouble() + 1, $"stacked: {layout}");
        Assert.True(me.GetProperty("w").GetDouble() > 300, $"tiles use the width: {layout}");
    }

    [Fact]
    public async Task Prejoin_MicrophoneMeterMovesAndSpeakerTestPlays()
    {
        var page = await _h.NewPageAsync("/room/meter");
        await MeetingHarness.WaitForAsync(page, "Number(document.querySelector('[data-testid=mic-level]').dataset.peak ?? 0) > 0.01",
            TimeSpan.FromSeconds(10), "the level meter showing the fake microphone's beeps");
        await page.ClickAsync("[data-testid=speaker-test]");
        await page.WaitForSelectorAsync("[data-testid=speaker-message]:has-text('Playing a tone')", new() { Timeout = 5000 });
        Assert.True(await page.Locator("[data-testid=speaker-select] option").CountAsync() >= 1);
    }

    [Fact]
    public async Task Prejoin_PlainHttpFromAnotherName_ExplainsThatHttpsIsNeeded()
    {
        // 127.0.0.0/8 counts as a secure origin; a name mapped to it does not.
        var port = new Uri(_h.BaseUrl).Port;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium", Headless = true,
            Args = [.. MeetingHarness.ChromiumArgs, "--host-resolver-rules=MAP meet.confer.test 127.0.0.1"],
        });
        var page = await browser.NewPageAsync();
        await page.GotoAsync($"http://meet.confer.test:{port}/room/insecure");
        Assert.False(await page.EvaluateAsync<bool>("() => window.isSecureContext"));
        var message = page.Locator("[data-testid=device-message]");
        await message.WaitForAsync(new() { Timeout = 5000 });
        var text = await message.InnerTextAsync();
        Assert.Contains("HTTPS", text);
        Assert.Contains("--https-port", text);
        Assert.DoesNotContain("TypeError", text);
    }
}
