using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Confer.Server.Tests.Hosting;
using Confer.Stun;
using Confer.Stun.Attributes;

namespace Confer.Server.Tests.Metrics;

/// <summary>Helpers for the metrics tests: scrape and parse <c>/metrics</c>, join over <c>/rtc</c>, relay through TURN.</summary>
internal static class MetricsScrape
{
    /// <summary>GET /metrics as series ("name" or "name{labels}") → value.</summary>
    public static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient http, string path = "/metrics")
    {
        var text = await http.GetStringAsync(path);
        return Parse(text);
    }

    public static Dictionary<string, double> Parse(string text)
    {
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

    /// <summary>Scrapes until <paramref name="condition"/> holds (5 s at most).</summary>
    public static async Task<Dictionary<string, double>> EventuallyAsync(HttpClient http, Func<Dictionary<string, double>, bool> condition, string what)
    {
        var deadline = Environment.TickCount64 + 5000;
        while (true)
        {
            var metrics = await ScrapeAsync(http);
            if (condition(metrics)) return metrics;
            if (Environment.TickCount64 > deadline)
                throw new TimeoutException($"timed out waiting for {what}: {string.Join(", ", metrics.Where(m => m.Key.StartsWith("confer_", StringComparison.Ordinal)))}");
            await Task.Delay(20);
        }
    }

    /// <summary>A real signaling client: connects to /rtc with the token, reads its join frame and returns it.</summary>
    public static async Task<(ClientWebSocket Socket, JsonElement Join)> JoinAsync(Uri http, string token, CancellationToken ct)
    {
        var ws = new ClientWebSocket();
        await ws.ConnectAsync(new Uri(new UriBuilder(http) { Scheme = "ws" }.Uri, $"/rtc?access_token={token}"), ct);
        var join = await ReceiveAsync(ws, ct);
        Assert.Equal("join", join.GetProperty("type").GetString());
        return (ws, join);
    }

    public static async Task<JsonElement> ReceiveAsync(ClientWebSocket ws, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        int n = 0;
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer.AsMemory(n), ct);
            n += r.Count;
            if (r.EndOfMessage) break;
        }
        return JsonDocument.Parse(buffer.AsMemory(0, n)).RootElement.Clone();
    }

    public static Task SendAsync(ClientWebSocket ws, string json, CancellationToken ct) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, ct);

    /// <summary>The REST TURN credential a join frame hands out (username, credential).</summary>
    public static (string Username, string Credential) TurnCredential(JsonElement join)
    {
        foreach (var server in join.GetProperty("iceServers").EnumerateArray())
            if (server.TryGetProperty("credential", out var c) && c.GetString() is { Length: > 0 } credential)
                return (server.GetProperty("username").GetString()!, credential);
        throw new InvalidOperationException("the join frame holds no TURN credential");
    }

    /// <summary>
    /// Allocates with <paramref name="client"/>, permits and binds channel 0x4000 to a UDP peer on loopback, sends
    /// <paramref name="count"/> ChannelData packets to it and one back; returns the bytes each way.
    /// </summary>
    public static async Task RelayAsync(LongTermClient client, int count = 3)
    {
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var peerAddress = (IPEndPoint)peer.LocalEndPoint!;
        Assert.Equal(200, await client.RequestAsync(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24)));
        Assert.Equal(200, await client.RequestAsync(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorPeerAddress, peerAddress)));
        Assert.Equal(200, await client.RequestAsync(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            w.AddUInt32(StunAttributeType.ChannelNumber, 0x4000u << 16);
            w.AddXorAddress(StunAttributeType.XorPeerAddress, peerAddress);
        }));
        var payload = new byte[100];
        var channelData = new byte[4 + payload.Length];
        channelData[0] = 0x40;
        channelData[3] = (byte)payload.Length;
        using var cts = new CancellationTokenSource(3000);
        var buffer = new byte[1500];
        EndPoint relayed = new IPEndPoint(IPAddress.Any, 0);
        for (int i = 0; i < count; i++)
        {
            await client.Socket.SendToAsync(channelData, new IPEndPoint(IPAddress.Loopback, ServerPort(client)));
            var got = await peer.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
            Assert.Equal(payload.Length, got.ReceivedBytes);
            relayed = got.RemoteEndPoint;
        }
        await peer.SendToAsync(payload, relayed);
        var back = await client.Socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
        Assert.Equal(4 + payload.Length, back.ReceivedBytes);
        Assert.Equal(0x40, buffer[0]);
    }

    private static int ServerPort(LongTermClient client) => client.ServerEndPoint.Port;
}
