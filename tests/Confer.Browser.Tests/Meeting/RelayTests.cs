using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Confer.Browser.Tests.Meeting;

/// <summary>A relay-only call through Confer's own TURN server (credentials from the join, REST style).</summary>
public sealed class RelayTests : IAsyncLifetime
{
    private MeetingHarness _h = null!;

    public async Task InitializeAsync() => _h = await MeetingHarness.StartAsync(withTurn: true);
    public async Task DisposeAsync() => await _h.DisposeAsync();

    private string TurnCounters() =>
        string.Join(", ", _h.App.Services.GetRequiredService<Confer.Turn.TurnMetrics>().Snapshot().Select(kv => $"{kv.Key}={kv.Value}"));

    private static double RelayedPaths(string metrics) =>
        metrics.Split('\n').Where(l => l.StartsWith("confer_media_paths_total{path=\"relay-", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

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
            // The selected pair from raw getStats, and what the SDK reports from it. Every candidate is a relay (UDP and
            // TCP to Confer's TURN); ICE usually settles on the UDP one (higher priority) within moments. Under heavy
            // load Chromium sometimes keeps the TCP relay pair after the UDP pair's first checks met a peer whose
            // permission was not in place yet (seen at load 10-30, with and without the relay engine), so either is
            // accepted here; the UDP relay path alone is proven by RelayOnlyCallTests (transport "udp").
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            JsonElement path;
            while (true)
            {
                path = (await page.EvaluateAsync<JsonElement>("() => window.__peer.paths()"))[0];
                if (path.GetProperty("relayProtocol").GetString() == "udp" || DateTime.UtcNow > deadline) break;
                await Task.Delay(200);
            }
            string? protocol = path.GetProperty("relayProtocol").GetString();
            Assert.True(protocol is "udp" or "tcp", $"the selected pair is not relayed through Confer's TURN: {path}; server: {TurnCounters()}");
            Assert.Equal("relay", path.GetProperty("local").GetString());
            var sdk = await MeetingHarness.WaitForAsync(page,
                "window.__peer.paths().then(p => p[0].sdk && p[0].sdk.connectionType !== 'unknown' && p[0].sdk.relayProtocol === p[0].relayProtocol ? p[0].sdk : null)",
                TimeSpan.FromSeconds(5), "connection stats from the SDK that match the selected pair");
            Assert.Equal("relay", sdk.GetProperty("connectionType").GetString());
            Assert.Equal(protocol, sdk.GetProperty("relayProtocol").GetString());
        }
        // And the media really went through this server's relay, both ways.
        var metrics = _h.App.Services.GetRequiredService<Confer.Turn.TurnMetrics>();
        Assert.True(metrics.PacketsToPeer > 100 && metrics.PacketsToClient > 100, $"little relayed: {TurnCounters()}");

        // The operator sees each participant's path: both browsers reported a relayed one (mediaPath frames).
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string paths;
        while (RelayedPaths(paths = await _h.ScrapeMetricsAsync()) < 2 && DateTime.UtcNow < until) await Task.Delay(200);
        Assert.True(RelayedPaths(paths) >= 2, "two relayed media paths should be counted in confer_media_paths_total:\n"
            + string.Join("\n", paths.Split('\n').Where(l => l.StartsWith("confer_media_paths", StringComparison.Ordinal))));
        Assert.DoesNotContain("confer_media_paths_total{path=\"direct-udp\"} 1", paths);
    }
}
