using System.Text.Json;
using Confer.Signaling.Auth;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Meeting;

/// <summary>
/// Issue 13, item 10: the meeting app runs under the server's Content-Security-Policy without a single violation,
/// and an invitation's token, taken from the URL fragment, leaves the address bar as soon as the page has read it.
/// </summary>
public sealed class CspTests : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(20);
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync();
    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>Records every CSP violation the page reports, from before its first script runs.</summary>
    private const string ViolationRecorder =
        "window.__csp = []; document.addEventListener('securitypolicyviolation', e => " +
        "window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));";

    [Fact]
    public async Task RoomPage_InvitationInFragment_JoinsUnderCspWithNoViolationsAndDropsTheToken()
    {
        var token = AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, "rahim-invited",
            new VideoGrant { Room = "csp-room", RoomJoin = true }, DateTimeOffset.UtcNow, TimeSpan.FromHours(1), "Rahim");
        var (rahim, rahimConsole, response) = await OpenAsync($"/room/csp-room#token={token}");

        var csp = await response.HeaderValueAsync("content-security-policy");
        Assert.Equal(Confer.Server.Web.HttpHardening.ContentSecurityPolicy, csp);
        Assert.Equal("nosniff", await response.HeaderValueAsync("x-content-type-options"));
        Assert.Equal("no-referrer", await response.HeaderValueAsync("referrer-policy"));

        // The fragment is gone from the address bar (and from history) once the page has read it.
        await rahim.WaitForFunctionAsync("() => !location.href.includes('token')", null, new() { Timeout = 5000 });
        Assert.DoesNotContain("token", rahim.Url);
        Assert.DoesNotContain(token, await rahim.EvaluateAsync<string>("() => location.href + history.state"));

        await JoinAsync(rahim, null);
        var aisha = (await OpenAsync("/room/csp-room")).Page; // the other way in: POST /api/token
        await JoinAsync(aisha, "Aisha");
        await WaitForTileVideoAsync(rahim, "Aisha");
        await WaitForTileVideoAsync(aisha, "Rahim");

        // Work the rest of the app: panels (diagnostics render tables), chat, mute.
        await rahim.ClickAsync("[data-testid=diag-button]");
        await rahim.WaitForSelectorAsync("[data-testid=diagnostics] table", new() { Timeout = 10000 });
        await rahim.ClickAsync("[data-testid=chat-button]");
        await rahim.FillAsync("[data-testid=chat-input]", "hello under CSP");
        await rahim.PressAsync("[data-testid=chat-input]", "Enter");
        await aisha.ClickAsync("[data-testid=chat-button]");
        await aisha.WaitForSelectorAsync("[data-testid=chat-log]:has-text('hello under CSP')", new() { Timeout = 5000 });
        await aisha.ClickAsync("[data-testid=mic]");
        await rahim.WaitForSelectorAsync(".tile[data-mic-muted=true]:has-text('Aisha')", new() { Timeout = 5000 });

        // Leave and Rejoin (a reload): the token is kept for this tab, never put back in the address bar.
        await rahim.ClickAsync("[data-testid=leave]");
        await rahim.ClickAsync("#rejoin");
        await JoinAsync(rahim, null);
        Assert.DoesNotContain("token", rahim.Url);
        Assert.Equal("Rahim (you)", await rahim.InnerTextAsync(".tile.local .name"));

        foreach (var (page, console) in new[] { (rahim, rahimConsole), (aisha, (List<string>?)null) })
        {
            var violations = await page.EvaluateAsync<string[]>("() => window.__csp");
            Assert.True(violations.Length == 0, "CSP violations: " + string.Join("; ", violations));
            if (console is not null) Assert.DoesNotContain(console, m => m.Contains("Content Security Policy", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task RoomPage_TokenInQuery_IsNotRead()
    {
        // A token in the query string travels in logs and Referer headers: the page ignores it and asks /api/token
        // (open in --dev), so the participant is whoever the page names, not the token's identity.
        var token = AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, "from-query",
            new VideoGrant { Room = "query-room", RoomJoin = true }, DateTimeOffset.UtcNow, TimeSpan.FromHours(1), "Query Person");
        var (page, _, _) = await OpenAsync($"/room/query-room?token={token}");
        await JoinAsync(page, "Page Person");
        Assert.Equal("Page Person (you)", await page.InnerTextAsync(".tile.local .name"));
        var identity = await page.EvaluateAsync<string>("() => window.conferRoom.localParticipant.identity");
        Assert.NotEqual("from-query", identity);
    }

    private async Task<(IPage Page, List<string> Console, IResponse Response)> OpenAsync(string path)
    {
        var context = await _h.Browser.NewContextAsync(new BrowserNewContextOptions { Permissions = ["camera", "microphone"] });
        await context.AddInitScriptAsync(ViolationRecorder);
        var page = await context.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, m) => { lock (console) console.Add(m.Text); if (m.Type is "error" or "warning") Console.WriteLine($"[browser {m.Type}] {m.Text}"); };
        var response = await page.GotoAsync(_h.BaseUrl + path);
        Assert.NotNull(response);
        return (page, console, response);
    }

    private static async Task JoinAsync(IPage page, string? name)
    {
        if (name is not null) await page.FillAsync("[data-testid=display-name]", name);
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=preview]').videoWidth > 0", null, new() { Timeout = 10000 });
        await page.ClickAsync("[data-testid=join]");
        await page.WaitForSelectorAsync("[data-testid=grid] .tile.local", new() { Timeout = 10000 });
    }

    private static Task WaitForTileVideoAsync(IPage page, string name) =>
        MeetingHarness.WaitForAsync(page,
            $"[...document.querySelectorAll('.tile')].some(t => t.querySelector('.name')?.textContent === {JsonSerializer.Serialize(name)} && " +
            "(v => v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0)(t.querySelector('video')))",
            Media, $"{name}'s video in a tile");
}
