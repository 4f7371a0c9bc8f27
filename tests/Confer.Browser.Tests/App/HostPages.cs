using Confer.Browser.Tests.Meeting;
using Confer.Server.Hosting;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.App;

/// <summary>
/// A server with host sign-in (no --dev, so nobody gets a token without a host's meeting) and what hosts and guests do
/// in the app: sign in on the start page and start a meeting, open its link and ask to join.
/// </summary>
internal static class HostPages
{
    public const string Password = "a-host-password-for-the-tests";

    /// <param name="sfu">Media through Confer's SFU (with its TURN, as the SFU tests run it) instead of peer to peer.</param>
    public static Task<MeetingHarness> StartAsync(bool sfu = false) => MeetingHarness.StartAsync(o =>
    {
        o.Dev = false;
        o.Signaling.Keys.Add("k", "a-long-enough-secret-of-32-characters");
        o.Hosts.Password = Password;
        if (sfu) o.Signaling.Topology = Confer.Signaling.Topologies.Sfu;
        o.AllowLoopbackPeers = true; // as --dev on loopback does: TURN may relay to 127.0.0.1
    }, withTurn: sfu);

    /// <summary>
    /// Ada signs in from the start page ("New meeting" asks for the host password), starts a meeting, and joins it with
    /// the "Join now" link. Returns her page and the meeting's link as a path.
    /// </summary>
    public static async Task<(IPage Page, string Path)> HostStartsMeetingAsync(MeetingHarness h, bool lobby, string name = "Ada")
    {
        var page = await h.NewPageAsync("/");
        await page.ClickAsync("[data-testid=new-meeting]");
        await page.WaitForSelectorAsync("[data-testid=host-form]", new() { Timeout = 5000 });
        await page.FillAsync("[data-testid=host-account]", name);
        await page.FillAsync("[data-testid=host-password]", "not-the-password");
        await page.ClickAsync("[data-testid=host-sign-in]");
        await page.WaitForSelectorAsync("[data-testid=host-error]:has-text('not right')", new() { Timeout = 5000 });
        await page.FillAsync("[data-testid=host-password]", Password);
        await page.ClickAsync("[data-testid=host-sign-in]");
        await page.WaitForSelectorAsync("[data-testid=meeting-ready]", new() { Timeout = 5000 });
        Assert.Contains(name, await page.InnerTextAsync("[data-testid=host-bar]"));
        if (!lobby)
        {
            // A meeting without a lobby: the host unticks the choice and starts another.
            await page.UncheckAsync("[data-testid=lobby-choice]");
            await page.ClickAsync("[data-testid=new-meeting]");
            await page.WaitForFunctionAsync("() => document.querySelector('#meeting-note').textContent.includes('at once')", null, new() { Timeout = 5000 });
        }
        var url = new Uri(await page.InputValueAsync("[data-testid=meeting-url]"));
        Assert.StartsWith("/room/", url.AbsolutePath);
        await page.ClickAsync("[data-testid=meeting-join]");
        await page.WaitForURLAsync($"**{url.AbsolutePath}", new() { Timeout = 5000 });
        await JoinFromPrejoinAsync(page, name);
        await page.WaitForSelectorAsync("[data-testid=grid] .tile.local", new() { Timeout = 10000 });
        return (page, url.AbsolutePath);
    }

    /// <summary>A guest opens the meeting's link, types a name and presses Join (what follows is up to the room).</summary>
    public static async Task<IPage> GuestAsksAsync(MeetingHarness h, string path, string name)
    {
        var page = await h.NewPageAsync(path);
        await JoinFromPrejoinAsync(page, name);
        return page;
    }

    public static async Task JoinFromPrejoinAsync(IPage page, string name)
    {
        await page.FillAsync("[data-testid=display-name]", name);
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=preview]').videoWidth > 0", null, new() { Timeout = 10000 });
        await page.ClickAsync("[data-testid=join]");
    }

    /// <summary>The host opens the people panel (if it is closed) and the action menu for <paramref name="name"/>, and clicks <paramref name="action"/>.</summary>
    public static async Task PersonActionAsync(IPage host, string name, string action)
    {
        if (await host.IsHiddenAsync("#people-panel")) await host.ClickAsync("[data-testid=people-button]");
        var row = $"[data-testid=people] li:has-text('{name}')";
        await host.ClickAsync($"{row} [data-testid=person-more]");
        await host.ClickAsync($"{row} [data-testid={action}]");
    }

    /// <summary>Waits for the end page and returns its title and sentence.</summary>
    public static async Task<string> EndPageAsync(IPage page)
    {
        await page.WaitForSelectorAsync("[data-testid=left]", new() { Timeout = 10000 });
        return await page.InnerTextAsync("[data-testid=left]");
    }
}
