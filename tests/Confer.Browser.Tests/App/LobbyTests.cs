using Confer.Browser.Tests.Meeting;
using Microsoft.Playwright;
using static Confer.Browser.Tests.App.AppPages;
using static Confer.Browser.Tests.App.HostPages;

namespace Confer.Browser.Tests.App;

/// <summary>
/// Hosts and guests in real Chromium, as people click: a host signs in on the start page and starts a meeting; guests
/// with the link wait in the lobby until the host admits or denies them; a locked room and a removal keep people out.
/// </summary>
public sealed class LobbyTests : IAsyncLifetime
{
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await HostPages.StartAsync();
    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Host_StartsMeeting_AdmitsAGuestFromTheLobby_DeniesAnother()
    {
        var (ada, path) = await HostStartsMeetingAsync(_h, lobby: true);

        // Bob waits in the lobby: the waiting page, not the call.
        var bob = await GuestAsksAsync(_h, path, "Bob");
        await bob.WaitForSelectorAsync("[data-testid=lobby]:has-text('Waiting for the host to let you in')", new() { Timeout = 5000 });
        Assert.True(await bob.IsHiddenAsync("[data-testid=grid] .tile.local"));
        if (Environment.GetEnvironmentVariable("CONFER_SCREENSHOT_DIR") is { } dir)
            await bob.ScreenshotAsync(new() { Path = Path.Combine(dir, "lobby.png") });

        // Ada is told, opens People and admits him.
        await ada.WaitForSelectorAsync("[data-testid=toast]:has-text('Bob wants to join')", new() { Timeout = 5000 });
        Assert.True(await ada.IsVisibleAsync("[data-testid=lobby-dot]"));
        await ada.ClickAsync("[data-testid=people-button]");
        await ada.WaitForSelectorAsync("[data-testid=lobby-list] li:has-text('Bob')");
        await ada.ClickAsync("[data-testid=lobby-list] li:has-text('Bob') [data-testid=admit]");
        await bob.WaitForSelectorAsync("[data-testid=grid] .tile.local", new() { Timeout = 10000 });
        await WaitForTileVideoAsync(ada, "Bob");
        await WaitForTileVideoAsync(bob, "Ada");
        await ada.WaitForSelectorAsync("[data-testid=lobby-box]", new() { State = WaitForSelectorState.Hidden, Timeout = 5000 });

        // Bob is no host: no lock, no end, no menus; Ada shows as the host.
        await bob.ClickAsync("[data-testid=people-button]");
        await bob.WaitForSelectorAsync("[data-testid=people] li:has-text('Ada') .host-badge", new() { Timeout = 5000 });
        Assert.True(await bob.IsHiddenAsync("[data-testid=host-tools]"));
        Assert.Equal(0, await bob.Locator("[data-testid=person-more]").CountAsync());
        Assert.Equal(1, await ada.Locator("[data-testid=person-more]").CountAsync());

        // Carol cancels her wait: back on the pre-join page. She asks again and keeps her place; Ada denies her, and
        // she reads why, in words.
        var carol = await GuestAsksAsync(_h, path, "Carol");
        await carol.WaitForSelectorAsync("[data-testid=lobby]", new() { Timeout = 5000 });
        await carol.ClickAsync("[data-testid=lobby-cancel]");
        await carol.WaitForSelectorAsync("[data-testid=join-error]:has-text('stopped asking')", new() { Timeout = 5000 });
        Assert.True(await carol.IsVisibleAsync("[data-testid=prejoin]"));
        await carol.ClickAsync("[data-testid=join]");
        await carol.WaitForSelectorAsync("[data-testid=lobby]", new() { Timeout = 5000 });
        await ada.WaitForSelectorAsync("[data-testid=lobby-list] li:has-text('Carol')", new() { Timeout = 5000 });
        Assert.Equal(1, await ada.Locator("[data-testid=lobby-list] li").CountAsync());
        await ada.ClickAsync("[data-testid=lobby-list] li:has-text('Carol') [data-testid=deny]", new() { Timeout = 5000 });
        var refused = await EndPageAsync(carol);
        Assert.Contains("can't join this meeting", refused);
        Assert.Contains("did not let you in", refused);
        Assert.Equal(2, await ada.Locator("[data-testid=people] li").CountAsync());
    }

    [Fact]
    public async Task RemovedGuest_CannotReturnWithTheLink_LockedRoomRefusesGuests()
    {
        var (ada, path) = await HostStartsMeetingAsync(_h, lobby: false);

        // Without a lobby Bob joins at once; Ada removes him.
        var bob = await GuestAsksAsync(_h, path, "Bob");
        await bob.WaitForSelectorAsync("[data-testid=grid] .tile.local", new() { Timeout = 10000 });
        await ada.WaitForFunctionAsync($"() => !!{Tile("Bob")}", null, new() { Timeout = 10000 });
        await PersonActionAsync(ada, "Bob", "remove");
        var removed = await EndPageAsync(bob);
        Assert.Contains("You were removed from the meeting", removed);
        await ada.WaitForFunctionAsync($"() => !{Tile("Bob")}", null, new() { Timeout = 5000 });

        // The same link does not let him back: he waits in the lobby (though the room has none), and Ada says no.
        await bob.ClickAsync("[data-testid=rejoin]");
        await JoinFromPrejoinAsync(bob, "Bob");
        await bob.WaitForSelectorAsync("[data-testid=lobby]", new() { Timeout = 5000 });
        await ada.ClickAsync("[data-testid=lobby-list] li:has-text('Bob') [data-testid=deny]", new() { Timeout = 5000 });
        Assert.Contains("did not let you in", await EndPageAsync(bob));
        Assert.True(await bob.IsHiddenAsync("[data-testid=grid] .tile.local"));

        // Ada locks the room: Carol is refused with the reason.
        await ada.ClickAsync("[data-testid=lock-room]");
        await ada.WaitForSelectorAsync("[data-testid=lock-room][aria-pressed=true]:has-text('Unlock room')", new() { Timeout = 5000 });
        var carol = await GuestAsksAsync(_h, path, "Carol");
        var locked = await EndPageAsync(carol);
        Assert.Contains("can't join this meeting", locked);
        Assert.Contains("locked", locked);

        // Unlocked, Dan walks in. Erin's link names a meeting no host started: she is told so on the pre-join page.
        await ada.ClickAsync("[data-testid=lock-room]");
        await ada.WaitForSelectorAsync("[data-testid=lock-room][aria-pressed=false]", new() { Timeout = 5000 });
        var dan = await GuestAsksAsync(_h, path, "Dan");
        await dan.WaitForSelectorAsync("[data-testid=grid] .tile.local", new() { Timeout = 10000 });
        await dan.ClickAsync("[data-testid=leave]");

        var erin = await GuestAsksAsync(_h, "/room/" + path.Split('/')[2] + "-nobody", "Erin");
        await erin.WaitForSelectorAsync("[data-testid=join-error]:has-text('has not started')", new() { Timeout = 5000 });
    }
}
