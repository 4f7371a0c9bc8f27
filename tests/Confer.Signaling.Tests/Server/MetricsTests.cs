using Microsoft.Extensions.DependencyInjection;
using System.Globalization;
using Confer.Signaling.Tests.Support;

namespace Confer.Signaling.Tests.Server;

/// <summary>
/// Each host has its own registry now (Hosting/MetricsRegistry.cs); these tests still run alone and compare values
/// before and after, which holds either way.
/// </summary>
[CollectionDefinition(nameof(MetricsCollection), DisableParallelization = true)]
public sealed class MetricsCollection;

[Collection(nameof(MetricsCollection))]
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_JoinResumeChatLeave_CountedOnMetricsEndpoint()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Http };
        var before = await ScrapeAsync(http);

        await using var alice = await server.JoinAsync("metrics", "alice");
        await using var bob = await server.JoinAsync("metrics", "bob");
        await alice.ExpectAsync("participantJoined");
        await bob.SendAsync(new { type = "chat", text = "hi" });
        await bob.SendAsync(new { type = "chat", text = "again" });
        await bob.SendAsync("{not json");
        await alice.ExpectAsync("chat");
        await alice.ExpectAsync("chat");
        await bob.ExpectAsync("error");
        var joined = await EventuallyAsync(http, m => Delta(m, before, "confer_signaling_participants") == 2, "two participants");
        Assert.Equal(1, Delta(joined, before, "confer_signaling_rooms"));
        Assert.Equal(2, Delta(joined, before, "confer_signaling_joins_total"));
        Assert.Equal(2, Delta(joined, before, "confer_signaling_join_seconds_count"));
        Assert.Equal(2, Delta(joined, before, "confer_signaling_messages_in_total{type=\"chat\"}"));
        Assert.Equal(1, Delta(joined, before, "confer_signaling_messages_in_total{type=\"invalid\"}"));
        // join ×2, participantJoined, chat ×2 to each of two, an error: at least 7 frames written.
        var outTotal = joined.Where(m => m.Key.StartsWith("confer_signaling_messages_out_total{", StringComparison.Ordinal)).Sum(m => m.Value - before.GetValueOrDefault(m.Key));
        Assert.True(outTotal >= 7, "frames out were not counted");
        Assert.Equal(2, Delta(joined, before, "confer_signaling_messages_out_total{type=\"join\"}"));
        Assert.Equal(1, Delta(joined, before, "confer_signaling_messages_out_total{type=\"error\"}"));
        Assert.True(Delta(joined, before, "confer_signaling_messages_out_total{type=\"chat\"}") >= 2, "chat frames out were not counted by type");

        alice.Drop();
        await TestServer.EventuallyAsync(() => server.Rooms.IsConnected(new("metrics"), "alice") == false, "alice's connection to be detached");
        await using var again = await TestClient.ConnectAsync(server, server.Token("metrics", "alice"), $"&resume={alice.ResumeToken}&lastSeen={alice.LastSeen}");
        await again.ExpectAsync("resumed");
        var resumed = await EventuallyAsync(http, m => Delta(m, before, "confer_signaling_resumes_total") == 1, "one resume");
        Assert.Equal(2, Delta(resumed, before, "confer_signaling_participants"));
        Assert.Equal(2, Delta(resumed, before, "confer_signaling_joins_total"));
        Assert.Equal(2, Delta(resumed, before, "confer_signaling_join_seconds_count")); // a resume is not a join

        await again.SendAsync(new { type = "leave" });
        await bob.SendAsync(new { type = "leave" });
        await server.AssertEmptyAsync();
        var left = await EventuallyAsync(http, m => Delta(m, before, "confer_signaling_participants") == 0, "participants back to where they were");
        Assert.Equal(1, Delta(left, before, "confer_signaling_rooms")); // the empty room waits out its timeout
        Assert.Equal(2, Delta(left, before, "confer_signaling_messages_in_total{type=\"leave\"}"));
        server.Time.Advance(TimeSpan.FromSeconds(20));
        await EventuallyAsync(http, m => Delta(m, before, "confer_signaling_rooms") == 0, "the room to be counted as finished");
    }

    [Fact]
    public async Task Metrics_MediaPathFrames_CountedByPath_BadOnesRefused()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Http };
        var before = await ScrapeAsync(http);
        await using var alice = await server.JoinAsync("paths", "alice");
        await using var bob = await server.JoinAsync("paths", "bob");
        var bobSid = (await alice.ExpectAsync("participantJoined")).GetProperty("participant").GetProperty("sid").GetString();

        await alice.SendAsync(new { type = "mediaPath", to = bobSid, path = "relay-tls" });
        await alice.SendAsync(new { type = "mediaPath", to = bobSid, path = "carrier-pigeon" });
        Assert.Equal("invalid_message", (await alice.ExpectAsync("error")).GetProperty("code").GetString());
        await alice.SendAsync(new { type = "mediaPath", to = "PA_nobody", path = "direct-udp" });
        Assert.Equal("unknown_participant", (await alice.ExpectAsync("error")).GetProperty("code").GetString());

        var after = await EventuallyAsync(http, m => Delta(m, before, "confer_media_paths_total{path=\"relay-tls\"}") == 1, "one relay-tls path");
        Assert.Equal(0, Delta(after, before, "confer_media_paths_total{path=\"direct-udp\"}"));
        Assert.Equal(3, Delta(after, before, "confer_signaling_messages_in_total{type=\"mediaPath\"}"));
        Assert.True(await bob.NoneAsync("mediaPath"), "a mediaPath frame is for the operator, not for the other participants");
    }

    [Fact]
    public async Task Metrics_EventQueueOverflows_RoomAndParticipantGaugesStayExact()
    {
        // An observer that holds the queue: events pile up past its capacity (16) and are dropped. The gauges are read
        // from the room manager when scraped, so they still say exactly how many rooms and participants there are.
        using var gate = new ManualResetEventSlim(false);
        await using var server = await TestServer.StartAsync(o => o.EventQueue = 16,
            s => s.AddSingleton<Confer.Signaling.Events.IRoomEventObserver>(new BlockingObserver(gate)));
        using var http = new HttpClient { BaseAddress = server.Http };
        var clients = new List<TestClient>();
        try
        {
            for (int i = 0; i < 12; i++) clients.Add(await server.JoinAsync($"drift-{i}", "alice")); // 24 events: room started, joined
            var metrics = await ScrapeAsync(http);
            Assert.True(metrics.GetValueOrDefault("confer_signaling_events_dropped_total") > 0, "the queue was expected to overflow");
            Assert.Equal(12, metrics["confer_signaling_rooms"]);
            Assert.Equal(12, metrics["confer_signaling_participants"]);
            foreach (var client in clients[..5]) await client.SendAsync(new { type = "leave" });
            await EventuallyAsync(http, m => m["confer_signaling_participants"] == 7, "seven participants after five leaves");
        }
        finally
        {
            gate.Set();
            foreach (var client in clients) await client.DisposeAsync();
        }
    }

    private sealed class BlockingObserver(ManualResetEventSlim gate) : Confer.Signaling.Events.IRoomEventObserver
    {
        public void OnEvent(Confer.Signaling.Events.RoomEvent e) => gate.Wait(TimeSpan.FromSeconds(20));
    }

    private static double Delta(Dictionary<string, double> now, Dictionary<string, double> before, string series) =>
        now.GetValueOrDefault(series) - before.GetValueOrDefault(series);

    private static async Task<Dictionary<string, double>> EventuallyAsync(HttpClient http, Func<Dictionary<string, double>, bool> condition, string what)
    {
        var deadline = Environment.TickCount64 + 5000;
        while (true)
        {
            var metrics = await ScrapeAsync(http);
            if (condition(metrics)) return metrics;
            if (Environment.TickCount64 > deadline)
                throw new TimeoutException($"timed out waiting for {what}: {string.Join(", ", metrics.Where(m => m.Key.StartsWith("confer_signaling", StringComparison.Ordinal)))}");
            await Task.Delay(20);
        }
    }

    /// <summary>GET /metrics, as series ("name" or "name{labels}") → value.</summary>
    private static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient http)
    {
        var text = await http.GetStringAsync("/metrics");
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                series[line[..space]] = value;
        }
        return series;
    }
}
