namespace Confer.Browser.Tests.Meeting;

/// <summary>
/// A session the server has already ended (the resume grace period ran out while the network was
/// down): the resume is refused with 4008 and the SDK joins the room afresh instead of giving up.
/// </summary>
public sealed class RejoinTests : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(20);
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync(withTurn: false, "--Signaling:ResumeGrace=00:00:01");
    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Resume_RefusedWith4008_JoinsAgainAndMediaFlowsBothWays()
    {
        await using var proxy = new TcpDropProxy(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, new Uri(_h.BaseUrl).Port));
        var (a, aliceId) = await _h.JoinAsync("rejoin", "Alice", new { url = $"ws://127.0.0.1:{proxy.Port}/rtc" });
        var (b, bobId) = await _h.JoinAsync("rejoin", "Bob");
        await MeetingHarness.WaitForVideoFromAsync(b, Media, aliceId);
        await MeetingHarness.WaitForVideoFromAsync(a, Media, bobId);
        var oldSid = await a.EvaluateAsync<string>("() => window.__peer.room.localParticipant.sid");

        // The network is down for longer than the grace period: the server ends Alice's session.
        proxy.Refusing = true;
        proxy.DropAll();
        await MeetingHarness.WaitForAsync(b, $"window.__peer.count('participantDisconnected', '{aliceId}') === 1", TimeSpan.FromSeconds(10), "Alice's session ended on the server");
        // Carol comes while Alice is away: new to Alice's next session, like Bob there before her.
        var (c, carolId) = await _h.JoinAsync("rejoin", "Carol");
        proxy.Refusing = false;

        // Alice's next resume attempt gets 4008; she joins again and stays in the meeting.
        await MeetingHarness.WaitForAsync(a, "window.__peer.count('reconnected') >= 1 && window.__peer.room.state === 'connected'",
            TimeSpan.FromSeconds(15), "Alice back in the room");
        Assert.Equal(0, await a.EvaluateAsync<int>("() => window.__peer.count('disconnected')"));
        Assert.NotEqual(oldSid, await a.EvaluateAsync<string>("() => window.__peer.room.localParticipant.sid"));
        await MeetingHarness.WaitForAsync(b, $"window.__peer.count('participantConnected', '{aliceId}') === 1", TimeSpan.FromSeconds(5), "Alice joined again, as Bob sees it");

        // Media flows again, both ways, on new peer connections (Alice's tracks have new sids).
        await MeetingHarness.WaitForVideoFromAsync(b, Media, aliceId);
        await MeetingHarness.WaitForVideoFromAsync(a, Media, bobId, carolId);
        await MeetingHarness.WaitForVideoFromAsync(c, Media, aliceId);
        // Alice is the newcomer to both: they offered, she answered; no crossed offers.
        foreach (var (page, other) in new[] { (a, bobId), (a, carolId), (b, aliceId), (c, aliceId) })
            Assert.Equal(0, await page.EvaluateAsync<int>($"() => {{ const r = window.__peer.room; return r._describeEngine()[r.remoteParticipants.get('{other}').sid].counters.ignoredOffers; }}"));
        Assert.Equal(2, await b.EvaluateAsync<int>($"() => window.__peer.room.remoteParticipants.get('{aliceId}').trackPublications.size"));
        Assert.Equal(2, await a.EvaluateAsync<int>("() => window.__peer.room.localParticipant.trackPublications.size"));
        // Alice kept Bob (same sid): no leave and join of Bob on her side.
        Assert.Equal(0, await a.EvaluateAsync<int>($"() => window.__peer.count('participantDisconnected', '{bobId}')"));
    }
}
