using Confer.Browser.Tests.App;
using Confer.Browser.Tests.Meeting;

namespace Confer.Browser.Tests.Sfu;

/// <summary>
/// A host's moderation in a room whose media goes through Confer's SFU: the same clicks as App/ModerationTests (mute,
/// ask to unmute, stop video, stop a screen share the SFU was forwarding, make host, end for all).
/// </summary>
public sealed class SfuModerationTests : IAsyncLifetime
{
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await HostPages.StartAsync(sfu: true);
    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public Task Host_ModeratesThroughTheSfu() => ModerationTests.RunAsync(_h);
}
