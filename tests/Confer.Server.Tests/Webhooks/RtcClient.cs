using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Confer.Signaling.Auth;

namespace Confer.Server.Tests.Webhooks;

/// <summary>A real signaling client on <c>/rtc</c>: joins with a token, sends frames, reads what the server sends.</summary>
internal sealed class RtcClient : IAsyncDisposable
{
    private readonly ClientWebSocket _ws = new();
    private readonly Channel<JsonElement> _inbox = Channel.CreateUnbounded<JsonElement>();
    private Task _reader = Task.CompletedTask;

    public JsonElement Join { get; private set; }
    public string Sid => Join.GetProperty("participant").GetProperty("sid").GetString()!;
    public TimeSpan JoinTime { get; private set; }

    public static string Token(string key, string secret, string room, string identity, string? name = null, string? metadata = null) =>
        AccessTokenBuilder.Create(key, secret, identity, new VideoGrant { Room = room, RoomJoin = true, CanPublish = true, CanSubscribe = true },
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(10), name, metadata);

    /// <summary>Connects and waits for the <c>join</c> frame; <see cref="JoinTime"/> is the time that took.</summary>
    public static async Task<RtcClient> JoinAsync(Uri http, string token)
    {
        var client = new RtcClient();
        var watch = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        client._ws.Options.KeepAliveInterval = TimeSpan.Zero;
        await client._ws.ConnectAsync(new Uri(new UriBuilder(http) { Scheme = "ws" }.Uri, $"/rtc?access_token={Uri.EscapeDataString(token)}"), cts.Token);
        client._reader = client.ReadLoopAsync();
        client.Join = await client.ExpectAsync("join");
        client.JoinTime = watch.Elapsed;
        return client;
    }

    public Task SendAsync(string json) => _ws.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>Publishes a track and returns its sid (from the server's <c>trackPublished</c>).</summary>
    public async Task<string> PublishAsync(string cid, string kind, string source, string? name = null)
    {
        await SendAsync(JsonSerializer.Serialize(new { type = "publishTrack", cid, kind, source, name }));
        while (true)
        {
            var frame = await ExpectAsync("trackPublished");
            var track = frame.GetProperty("track");
            if (track.TryGetProperty("cid", out var c) && c.GetString() == cid) return track.GetProperty("sid").GetString()!;
        }
    }

    public Task UnpublishAsync(string trackSid) => SendAsync(JsonSerializer.Serialize(new { type = "unpublishTrack", trackSid }));

    /// <summary>Says <c>leave</c> and closes the socket.</summary>
    public async Task LeaveAsync()
    {
        await SendAsync("""{"type":"leave"}""");
        await DisposeAsync();
    }

    /// <summary>The next frame of <paramref name="type"/> (others are skipped); fails after 5 s.</summary>
    public async Task<JsonElement> ExpectAsync(string type)
    {
        using var cts = new CancellationTokenSource(5000);
        try
        {
            while (true)
            {
                var frame = await _inbox.Reader.ReadAsync(cts.Token);
                if (frame.GetProperty("type").GetString() == type) return frame;
            }
        }
        catch (OperationCanceledException) { throw new TimeoutException($"no '{type}' frame within 5 s"); }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[256 * 1024];
        try
        {
            while (true)
            {
                int length = 0;
                ValueWebSocketReceiveResult r;
                do
                {
                    r = await _ws.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += r.Count;
                } while (!r.EndOfMessage && r.MessageType != WebSocketMessageType.Close);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    if (_ws.State == WebSocketState.CloseReceived)
                        await _ws.CloseOutputAsync(_ws.CloseStatus ?? WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    break;
                }
                using var doc = JsonDocument.Parse(buffer.AsMemory(0, length));
                _inbox.Writer.TryWrite(doc.RootElement.Clone());
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException) { }
        finally { _inbox.Writer.TryComplete(); }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ws.State == WebSocketState.Open)
        {
            try
            {
                using var cts = new CancellationTokenSource(2000);
                await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
                await _reader.WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException) { }
        }
        _ws.Dispose();
    }
}
