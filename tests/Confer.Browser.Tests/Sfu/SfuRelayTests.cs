using System.Text.Json;
using Confer.Browser.Tests.Meeting;

namespace Confer.Browser.Tests.Sfu;

/// <summary>
/// A browser that may only use a relay (<c>iceTransportPolicy: 'relay'</c>, as on a network where only Confer's TURN gets
/// through) still reaches the SFU: its two connections go through Confer's own TURN to the SFU's candidate on the same
/// server, the other person decodes its camera, and the path is reported as <c>sfu-turn</c> and shown as "Through Confer's
/// SFU over TURN".
/// </summary>
public sealed class SfuRelayTests : IAsyncLifetime
{
    private static readonly TimeSpan Media = TimeSpan.FromSeconds(25);
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync(o => o.Signaling.Topology = Confer.Signaling.Topologies.Sfu, withTurn: true);
    public async Task DisposeAsync() => await _h.DisposeAsync();

    /// <summary>Each RTCPeerConnection's selected pair: local candidate type and the protocol it reached the relay over.</summary>
    private const string SelectedPairs = """
        async () => {
          const out = [];
          for (const pc of window.__pcs) {
            if (pc.connectionState === 'closed') continue;
            const stats = await pc.getStats();
            let pair;
            stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
            const local = pair && stats.get(pair.localCandidateId);
            out.push({ state: pc.connectionState, local: local?.candidateType ?? null, relayProtocol: local?.relayProtocol ?? null });
          }
          return out;
        }
        """;

    [Fact]
    public async Task RelayOnlyBrowser_ReachesTheSfuThroughConfersTurn_AndIsDecoded()
    {
        const string room = "sfu-relay-only";
        var relayOnly = new { rtcConfig = new { iceTransportPolicy = "relay" } };
        var (a, alice) = await _h.JoinAsync(room, "Alice", relayOnly, beforeJoin: PeerScript.KeepConnections);
        var (b, bob) = await _h.JoinAsync(room, "Bob", beforeJoin: PeerScript.KeepConnections);
        try
        {
            await MeetingHarness.WaitForVideoFromAsync(b, Media, alice);
            await MeetingHarness.WaitForVideoFromAsync(a, Media, bob);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Assert.Fail(e.Message + "\n" + await MeetingHarness.DescribeAsync(a, b));
        }

        // Both of Alice's connections (publisher, subscriber) are to the server, through a relay candidate.
        var pairs = await MeetingHarness.WaitForAsync(a,
            $"({SelectedPairs})().then((p) => p.length === 2 && p.every((x) => x.state === 'connected' && x.local === 'relay') ? p : null)",
            Media, "Alice's two connections on relay pairs");
        Assert.Equal(2, pairs.GetArrayLength());
        // The SDK names the path as the server counts it, and the room's stats say so per remote participant.
        var path = await MeetingHarness.WaitForAsync(a,
            $"(p => p?.connectionStats?.via === 'sfu' && p.connectionStats.localCandidateType === 'relay' ? p.connectionStats.localCandidateType : null)(window.__peer.room.remoteParticipants.get({JsonSerializer.Serialize(bob)}))",
            Media, "Alice's stats toward Bob through the SFU over a relay");
        Assert.Equal("relay", path.GetString());
        // The server counts Alice's report of that path (the mediaPath frame) as sfu-turn.
        string metrics = "";
        for (var until = DateTime.UtcNow + TimeSpan.FromSeconds(10); DateTime.UtcNow < until; await Task.Delay(200))
            if ((metrics = await _h.ScrapeMetricsAsync()).Contains("confer_media_paths_total{path=\"sfu-turn\"}", StringComparison.Ordinal)) break;
        Assert.Contains("confer_media_paths_total{path=\"sfu-turn\"}", metrics, StringComparison.Ordinal);
        // Bob, with no policy, goes straight to the SFU.
        var bobPairs = await b.EvaluateAsync<JsonElement>(SelectedPairs);
        Assert.All(bobPairs.EnumerateArray(), x => Assert.NotEqual("relay", x.GetProperty("local").GetString()));
    }
}
