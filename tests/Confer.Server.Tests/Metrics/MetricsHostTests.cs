using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using Confer.Server.Hosting;
using Confer.Server.Tests.Hosting;
using Confer.Signaling.Auth;
using Confer.Stun;
using Microsoft.Extensions.DependencyInjection;
using static Confer.Server.Tests.Metrics.MetricsScrape;

namespace Confer.Server.Tests.Metrics;

/// <summary>Issue 16, item 4: everything on /metrics changes as real clients join, message and relay through TURN.</summary>
public sealed class MetricsHostTests
{
    private const string Secret = "metrics-test-secret-0123456789abcdef0123";

    private static ServerOptions Options()
    {
        var options = new ServerOptions { Dev = true, Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0, UserQuota = 1 };
        options.Signaling.Keys.Add("metricskey", Secret);
        return options;
    }

    private static string Token(string identity) => AccessTokenBuilder.Create("metricskey", Secret, identity,
        new VideoGrant { Room = "metered", RoomJoin = true }, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));

    [Fact]
    public async Task Metrics_ClientsJoinMessageAndRelay_EveryFigureMoves()
    {
        await using var app = ConferHost.Build(Options());
        await app.StartAsync();
        var http = ConferHost.HttpAddress(app);
        using var scraper = new HttpClient { BaseAddress = http };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var before = await ScrapeAsync(scraper);
        Assert.Equal(0, before["confer_signaling_rooms"]);
        Assert.Equal(0, before["confer_signaling_participants"]);
        Assert.Equal(0, before["confer_turn_allocations_active"]);
        Assert.Contains("process_cpu_seconds_total", before.Keys);
        Assert.Contains("process_working_set_bytes", before.Keys);

        var (alice, aliceJoin) = await JoinAsync(http, Token("alice"), cts.Token);
        var (bob, _) = await JoinAsync(http, Token("bob"), cts.Token);
        using (alice)
        using (bob)
        {
            await SendAsync(bob, """{"type":"chat","text":"hello"}""", cts.Token);
            await SendAsync(bob, """{"type":"ping"}""", cts.Token);
            var joined = await EventuallyAsync(scraper, m => m.GetValueOrDefault("confer_signaling_messages_in_total{type=\"ping\"}") == 1
                && m.GetValueOrDefault("confer_signaling_messages_out_total{type=\"chat\"}") >= 1, "bob's chat and ping");
            Assert.Equal(1, joined["confer_signaling_rooms"]);
            Assert.Equal(2, joined["confer_signaling_participants"]);
            Assert.Equal(2, joined["confer_signaling_joins_total"]);
            Assert.Equal(2, joined["confer_signaling_join_seconds_count"]);
            Assert.Equal(2, joined["confer_signaling_join_seconds_bucket{le=\"+Inf\"}"]);
            Assert.Equal(1, joined["confer_signaling_messages_in_total{type=\"chat\"}"]);
            Assert.Equal(2, joined["confer_signaling_messages_out_total{type=\"join\"}"]);
            Assert.Equal(1, joined["confer_signaling_messages_out_total{type=\"participantJoined\"}"]);

            // TURN with the credential the join handed out: a wrong password first, then a relay both ways, then over quota.
            var (user, credential) = TurnCredential(aliceJoin);
            var turn = new IPEndPoint(IPAddress.Loopback, ConferHost.Turn(app).Port);
            using (var wrong = new LongTermClient(turn, user, credential + "x"))
                Assert.Equal(401, await wrong.RequestAsync(StunMethod.Allocate, (ref Confer.Stun.StunMessageWriter w) => w.AddUInt32(Confer.Stun.StunAttributeType.RequestedTransport, 17u << 24)));
            using var client = new LongTermClient(turn, user, credential);
            await RelayAsync(client, count: 3);
            using (var second = new LongTermClient(turn, user, credential))
                Assert.Equal(486, await second.RequestAsync(StunMethod.Allocate, (ref Confer.Stun.StunMessageWriter w) => w.AddUInt32(Confer.Stun.StunAttributeType.RequestedTransport, 17u << 24)));

            var relayed = await EventuallyAsync(scraper, m => m.GetValueOrDefault("confer_turn_relayed_packets_total{direction=\"to_client\"}") == 1, "the packet back");
            Assert.Equal(1, relayed["confer_turn_allocations_active"]);
            Assert.Equal(1, relayed["confer_turn_allocations_created_total"]);
            Assert.Equal(1, relayed["confer_turn_permissions"]);
            Assert.Equal(1, relayed["confer_turn_channels"]);
            Assert.Equal(3, relayed["confer_turn_relayed_packets_total{direction=\"to_peer\"}"]);
            Assert.Equal(300, relayed["confer_turn_relayed_bytes_total{direction=\"to_peer\"}"]);
            Assert.Equal(100, relayed["confer_turn_relayed_bytes_total{direction=\"to_client\"}"]);
            Assert.True(relayed.Where(m => m.Key.StartsWith("confer_turn_auth_failures_total{", StringComparison.Ordinal)).Sum(m => m.Value) >= 1,
                "the wrong password was not counted");
            Assert.True(relayed.Where(m => m.Key.StartsWith("confer_turn_allocations_refused_total{", StringComparison.Ordinal)).Sum(m => m.Value) >= 1,
                "the allocation over the user's quota was not counted");

            using (var tcp = new System.Net.Sockets.TcpClient())
            {
                await tcp.ConnectAsync(turn, cts.Token); // a TURN-over-TCP client, counted by the connection guard
                var open = await EventuallyAsync(scraper, m => m.GetValueOrDefault("confer_transport_stream_connections_open") == 1, "the TCP connection");
                Assert.True(open["confer_transport_stream_connections_max"] > 0);
            }

            await alice.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
            var left = await EventuallyAsync(scraper, m => m["confer_signaling_participants"] == 1, "alice's leave");
            Assert.Equal(1, left["confer_signaling_messages_in_total{type=\"chat\"}"]);
        }
        await app.StopAsync();
    }

    [Fact]
    public async Task Metrics_Exposition_CountersAreTypedCountersWithTotal()
    {
        await using var app = ConferHost.Build(Options());
        await app.StartAsync();
        using var scraper = new HttpClient { BaseAddress = ConferHost.HttpAddress(app) };
        var text = await scraper.GetStringAsync("/metrics");
        Assert.Contains("# TYPE confer_turn_relayed_bytes_total counter", text);
        Assert.Contains("# TYPE confer_turn_allocations_created_total counter", text);
        Assert.Contains("# TYPE confer_turn_allocations_active gauge", text);
        Assert.Contains("# TYPE confer_signaling_join_seconds histogram", text);
        Assert.DoesNotContain("ObservableCounter", text);
        Assert.DoesNotContain("system_runtime", text); // no other meters of the process leak in
        await app.StopAsync();
    }

    [Fact]
    public async Task Metrics_TwoHostsInOneProcess_KeepTheirFiguresApart()
    {
        await using var first = ConferHost.Build(Options());
        await first.StartAsync();
        await using var second = ConferHost.Build(Options());
        await second.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var (ws, _) = await JoinAsync(ConferHost.HttpAddress(first), Token("alice"), cts.Token);
        using (ws)
        {
            using var a = new HttpClient { BaseAddress = ConferHost.HttpAddress(first) };
            using var b = new HttpClient { BaseAddress = ConferHost.HttpAddress(second) };
            await EventuallyAsync(a, m => m["confer_signaling_participants"] == 1, "the join on the first host");
            var other = await ScrapeAsync(b);
            Assert.Equal(0, other["confer_signaling_participants"]);
            Assert.Equal(0, other["confer_signaling_joins_total"]);
        }
        await second.StopAsync();
        await first.StopAsync();
    }

    [Fact]
    public async Task MetricsPort_ServesMetricsOnly_HttpPortRefusesWithoutToken()
    {
        var options = Options();
        options.MetricsPort = 0;
        await using var app = ConferHost.Build(options);
        await app.StartAsync();
        var port = app.Services.GetRequiredService<MetricsListener>().Port;
        Assert.NotEqual(0, port);
        Assert.NotEqual(ConferHost.HttpAddress(app).Port, port);
        using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using var main = new HttpClient { BaseAddress = ConferHost.HttpAddress(app) };

        var served = await metrics.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Contains("confer_signaling_rooms", await served.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await metrics.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await metrics.GetAsync("/healthz")).StatusCode);

        var refused = await main.GetAsync("/metrics"); // from loopback, which alone would have been let in without a metrics port
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.DoesNotContain("confer_", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await main.GetAsync("/healthz")).StatusCode);
        await app.StopAsync();
    }

    [Fact]
    public async Task MetricsPort_WithToken_HttpPortAnswersTheTokenOnly()
    {
        const string token = "scrape-token-for-the-metrics-port-tests";
        var options = Options();
        options.MetricsPort = 0;
        await using var app = ConferHost.Build(options, [$"--Metrics:Token={token}"]);
        await app.StartAsync();
        using var main = new HttpClient { BaseAddress = ConferHost.HttpAddress(app) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await main.GetAsync("/metrics")).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
        Assert.Equal(HttpStatusCode.OK, (await main.SendAsync(request)).StatusCode);
        using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{app.Services.GetRequiredService<MetricsListener>().Port}") };
        Assert.Equal(HttpStatusCode.Unauthorized, (await metrics.GetAsync("/metrics")).StatusCode); // the token guards both
        await app.StopAsync();
    }

    [Fact]
    public async Task MetricsPort_FromConfiguration_ServesThere()
    {
        await using var app = ConferHost.Build(Options(), ["--Metrics:Port=0", "--Metrics:Bind=127.0.0.1"]);
        await app.StartAsync();
        var listener = app.Services.GetRequiredService<MetricsListener>();
        Assert.True(listener.Enabled);
        using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{listener.Port}") };
        Assert.Contains("confer_signaling_participants", await metrics.GetStringAsync("/metrics"));
        await app.StopAsync();
    }

    [Fact]
    public void MetricsPort_SameAsHttpPort_OneSentence()
    {
        var options = Options();
        options.HttpPort = 17880;
        options.MetricsPort = 17880;
        var e = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => ConferHost.Build(options));
        Assert.Equal("Metrics:Port 17880 is the HTTP port; give the metrics listener a port of its own, or leave it unset to serve /metrics on the HTTP port.", Assert.Single(e.Failures));
    }
}
