using System.Text.Json;
using Microsoft.Playwright;

namespace Confer.Browser.Tests.Meeting;

/// <summary>The SDK in real Chromium against an in-process Confer: media must actually decode.</summary>
public sealed class MeetingTests : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(20);
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync();
    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Connect_TwoPeople_SeeEachOther()
    {
        var (a, aliceId) = await _h.JoinAsync("two", "Alice");
        var (b, bobId) = await _h.JoinAsync("two", "Bob");

        await MeetingHarness.WaitForVideoFromAsync(a, Media, bobId);
        await MeetingHarness.WaitForVideoFromAsync(b, Media, aliceId);
        var paths = await a.EvaluateAsync<JsonElement>("() => window.__peer.paths()");
        Assert.Equal("host", paths[0].GetProperty("local").GetString());
    }

    [Fact]
    public async Task Connect_ThreePeopleAtOnce_EveryoneSeesEveryone()
    {
        var joins = await Task.WhenAll(
            _h.JoinAsync("three", "Alice"), _h.JoinAsync("three", "Bob"), _h.JoinAsync("three", "Carol"));
        foreach (var (page, me) in joins)
        {
            var others = joins.Select(j => j.Identity).Where(id => id != me).ToArray();
            await MeetingHarness.WaitForVideoFromAsync(page, Media, others);
        }
    }
}
