using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using Confer.Server.Hosting;
using Confer.Signaling.Auth;

namespace Confer.Server.Tests.Signaling;

public sealed partial class SignalingMetricsHostTests
{
    [Fact]
    public async Task Metrics_AfterJoin_SignalingSeriesBesideTurnOnes()
    {
        await using var app = ConferHost.Build(new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, Dev = true });
        await app.StartAsync();
        var http = ConferHost.HttpAddress(app);
        using var client = new HttpClient { BaseAddress = http };
        var before = Participants(await client.GetStringAsync("/metrics"));

        var token = AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, "alice", new VideoGrant { Room = "r", RoomJoin = true },
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        using var ws = new ClientWebSocket();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ws.ConnectAsync(new Uri(new UriBuilder(http) { Scheme = "ws" }.Uri, $"/rtc?access_token={token}"), cts.Token);
        var buffer = new byte[64 * 1024];
        var first = await ws.ReceiveAsync(buffer, cts.Token);
        Assert.Contains("\"type\":\"join\"", Encoding.UTF8.GetString(buffer, 0, first.Count));

        string text;
        var deadline = Environment.TickCount64 + 5000;
        do
        {
            text = await client.GetStringAsync("/metrics");
            if (Participants(text) == before + 1) break;
            await Task.Delay(20);
        } while (Environment.TickCount64 < deadline);
        Assert.Equal(before + 1, Participants(text));
        Assert.Contains("confer_signaling_join_seconds_bucket", text);
        Assert.Contains("confer_turn_allocations_active", text);
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
        await app.StopAsync();
    }

    private static double Participants(string metrics) =>
        ParticipantsLine().Match(metrics) is { Success: true } m ? double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"^confer_signaling_participants (\S+)$", RegexOptions.Multiline)]
    private static partial Regex ParticipantsLine();
}
