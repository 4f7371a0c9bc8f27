using Confer.Browser.Tests.Meeting;
using Microsoft.Playwright;
using static Confer.Browser.Tests.App.AppPages;
using static Confer.Browser.Tests.App.HostPages;

namespace Confer.Browser.Tests.App;

/// <summary>
/// A host moderating from the people panel in real Chromium: mute, then ask to unmute (the guest decides), stop video
/// and a screen share (seen by the host as the others see it), make a host, end the meeting for all.
/// </summary>
public sealed class ModerationTests : IAsyncLifetime
{
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await HostPages.StartAsync();
    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public Task Host_MutesAsksToUnmuteStopsVideoAndShare_GuestConsents_EndMeetingEndsItForAll() => RunAsync(_h);

    /// <summary>The whole moderation walk on <paramref name="h"/> (also run through the SFU: Sfu/SfuModerationTests).</summary>
    internal static async Task RunAsync(MeetingHarness h)
    {
        var (ada, path) = await HostStartsMeetingAsync(h, lobby: false);
        var bob = await GuestAsksAsync(h, path, "Bob");
        await bob.WaitForSelectorAsync("[data-testid=grid] .tile.local", new() { Timeout = 10000 });
        await WaitForTileVideoAsync(ada, "Bob");

        // The host's tools and a person's menu: every control named, text readable (WCAG AA).
        await ada.ClickAsync("[data-testid=people-button]");
        await ada.ClickAsync("[data-testid=people] li:has-text('Bob') [data-testid=person-more]");
        await ada.WaitForSelectorAsync("[data-testid=people] li:has-text('Bob') [data-testid=remove]", new() { Timeout = 5000 });
        Assert.Empty(await ada.EvaluateAsync<string[]>(AccessTests.Unnamed));
        Assert.Empty(await ada.EvaluateAsync<string[]>(AccessTests.LowContrast));
        await ada.ClickAsync("[data-testid=people] li:has-text('Bob') [data-testid=person-more]");
        // Mute: Bob's microphone goes off on his side, and Ada sees it muted.
        await PersonActionAsync(ada, "Bob", "mute");
        await bob.WaitForSelectorAsync("[data-testid=mic][aria-pressed=false]", new() { Timeout = 5000 });
        await bob.WaitForSelectorAsync("[data-testid=toast]:has-text('A host muted your microphone')", new() { Timeout = 5000 });
        await ada.WaitForFunctionAsync($"() => {Tile("Bob")}?.dataset.micMuted === 'true'", null, new() { Timeout = 5000 });

        // Ask to unmute: Bob is asked, and nothing turns on until he says yes. "Stay muted" keeps it off.
        await PersonActionAsync(ada, "Bob", "ask-unmute");
        await bob.WaitForSelectorAsync("[data-testid=unmute-prompt]:has-text('The host asks you to unmute')", new() { Timeout = 5000 });
        await bob.WaitForTimeoutAsync(500);
        Assert.False(await bob.EvaluateAsync<bool>("() => window.conferRoom.localParticipant.isMicrophoneEnabled"));
        await bob.ClickAsync("[data-testid=unmute-decline]");
        Assert.Equal("true", await ada.EvaluateAsync<string>($"() => {Tile("Bob")}.dataset.micMuted"));
        await PersonActionAsync(ada, "Bob", "ask-unmute");
        await bob.ClickAsync("[data-testid=unmute-accept]", new() { Timeout = 5000 });
        await ada.WaitForFunctionAsync($"() => {Tile("Bob")}?.dataset.micMuted === 'false'", null, new() { Timeout = 5000 });
        await bob.WaitForSelectorAsync("[data-testid=mic][aria-pressed=true]", new() { Timeout = 5000 });

        // Stop video: Bob's camera is off (capture stopped), and Ada, like anyone else, sees his camera off.
        await PersonActionAsync(ada, "Bob", "stop-video");
        await ada.WaitForFunctionAsync($"() => {Tile("Bob")}?.dataset.camOn === 'false'", null, new() { Timeout = 5000 });
        await bob.WaitForSelectorAsync("[data-testid=cam][aria-pressed=false]", new() { Timeout = 5000 });
        Assert.True(await bob.EvaluateAsync<bool>(
            "() => { const p = window.conferRoom.localParticipant.getTrackPublication('camera'); return p.isMuted && p.track.mediaStreamTrack?.readyState !== 'live'; }"));

        // Stop screen share: it ends for everyone, and Bob's share button says so.
        await bob.ClickAsync("[data-testid=screen]");
        await MeetingHarness.WaitForAsync(ada,
            "(v => v && v.videoWidth > 0)(document.querySelector('[data-testid=screen-tile] video'))", MediaTimeout, "Bob's screen on Ada's stage");
        await PersonActionAsync(ada, "Bob", "stop-screen");
        await ada.WaitForSelectorAsync("[data-testid=screen-tile]", new() { State = WaitForSelectorState.Detached, Timeout = 5000 });
        await bob.WaitForFunctionAsync("() => !document.querySelector('[data-testid=screen]').classList.contains('active') && !window.conferRoom.localParticipant.isScreenShareEnabled",
            null, new() { Timeout = 5000 });
        await bob.WaitForSelectorAsync("[data-testid=toast]:has-text('stopped your screen share')", new() { Timeout = 5000 });

        // Make host: Bob gets the host tools.
        await PersonActionAsync(ada, "Bob", "make-host");
        await bob.WaitForSelectorAsync("[data-testid=toast]:has-text('You are now a host')", new() { Timeout = 5000 });
        await bob.ClickAsync("[data-testid=people-button]");
        await bob.WaitForSelectorAsync("[data-testid=host-tools]", new() { Timeout = 5000 });

        // End meeting for all: both see that it ended.
        await ada.ClickAsync("[data-testid=end-meeting]");
        await ada.ClickAsync("[data-testid=end-confirm]");
        Assert.Contains("The meeting has ended", await EndPageAsync(bob));
        Assert.Contains("The meeting has ended", await EndPageAsync(ada));
    }
}
