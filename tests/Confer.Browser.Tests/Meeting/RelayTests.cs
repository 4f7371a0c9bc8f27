using System.Text.Json;

namespace Confer.Browser.Tests.Meeting;

/// <summary>A relay-only call through Confer's own TURN server (credentials from the join, REST style).</summary>
public sealed class RelayTests : IAsyncLifetime
{
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync(withTurn: true);
    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Connect_RelayOnly_MediaFlowsThroughConferTurn()
    {
        var relayOnly = new { rtcConfig = new { iceTransportPolicy = "relay" } };
        var (a, aliceId) = await _h.JoinAsync("relay", "Alice", relayOnly);
        var (b, bobId) = await _h.JoinAsync("relay", "Bob", relayOnly);

        await MeetingHarness.WaitForVideoFromAsync(a, TimeSpan.FromSeconds(25), bobId);
        await MeetingHarness.WaitForVideoFromAsync(b, TimeSpan.FromSeconds(25), aliceId);

        foreach (var page in new[] { a, b })
        {
            // The selected pair from raw getStats, and what the SDK reports from it. Every candidate is a relay; the
            // first pair to pass its checks may be the TCP relay, and ICE then moves to the UDP one (higher priority)
            // within moments: wait for that, a call stuck on TCP while UDP relaying works would be a fault.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            JsonElement path;
            while (true)
            {
                path = (await page.EvaluateAsync<JsonElement>("() => window.__peer.paths()"))[0];
                if (path.GetProperty("relayProtocol").GetString() == "udp" || DateTime.UtcNow > deadline) break;
                await Task.Delay(200);
            }
            Assert.True(path.GetProperty("relayProtocol").GetString() == "udp", $"the selected pair is not relayed over UDP after 10 s: {path}");
            Assert.Equal("relay", path.GetProperty("local").GetString());
            var sdk = await MeetingHarness.WaitForAsync(page,
                "window.__peer.paths().then(p => p[0].sdk && p[0].sdk.connectionType !== 'unknown' && p[0].sdk.relayProtocol === p[0].relayProtocol ? p[0].sdk : null)",
                TimeSpan.FromSeconds(5), "connection stats from the SDK that match the selected pair");
            Assert.Equal("relay", sdk.GetProperty("connectionType").GetString());
            Assert.Equal("udp", sdk.GetProperty("relayProtocol").GetString());
        }
    }
}
