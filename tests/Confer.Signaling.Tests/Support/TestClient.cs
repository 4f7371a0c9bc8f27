using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Confer.Signaling.Tests.Support;

/// <summary>A real WebSocket client that collects server frames into an inbox.</summary>
internal sealed class TestClient : IAsyncDisposable
{
    private readonly Channel<JsonElement> _inbox = Channel.CreateUnbounded<JsonElement>();
    private readonly TaskCompletionSource<(int? Code, string? Reason)> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reader;
    private readonly List<JsonElement> _stash = [];

    private TestClient(ClientWebSocket ws, bool read)
    {
        Ws = ws;
        _reader = read ? ReadLoopAsync() : Task.CompletedTask;
    }

    public ClientWebSocket Ws { get; }
    public long LastSeen { get; private set; }
    public JsonElement? Join { get; private set; }
    public string Sid => Join!.Value.GetProperty("participant").GetProperty("sid").GetString()!;
    public string ResumeToken => Join!.Value.GetProperty("resumeToken").GetString()!;
    public Task<(int? Code, string? Reason)> Closed => _closed.Task;

    public static async Task<TestClient> ConnectAsync(TestServer server, string token, string query = "", bool read = true)
    {
        var ws = new ClientWebSocket();
        ws.Options.KeepAliveInterval = TimeSpan.Zero;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ws.ConnectAsync(new Uri(server.Ws, $"/rtc?access_token={Uri.EscapeDataString(token)}{query}"), cts.Token);
        return new TestClient(ws, read);
    }

    /// <summary>Connects to a server at <paramref name="ws"/> (a whole <c>confer</c> host) and waits for the <c>join</c> frame.</summary>
    public static async Task<TestClient> JoinAsync(Uri ws, string token, string query = "")
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(new Uri(ws, $"/rtc?access_token={Uri.EscapeDataString(token)}{query}"), cts.Token);
        var client = new TestClient(socket, true);
        client.Join = await client.ExpectAsync("join");
        return client;
    }

    /// <summary>Connects and waits for the <c>join</c> frame.</summary>
    public static async Task<TestClient> JoinAsync(TestServer server, string token, string query = "")
    {
        var client = await ConnectAsync(server, token, query);
        client.Join = await client.ExpectAsync("join");
        return client;
    }

    public Task SendAsync(string json) => Ws.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task SendAsync(object message) => SendAsync(JsonSerializer.Serialize(message, message.GetType(), TestJson.Options));

    /// <summary>
    /// The earliest unconsumed frame of this type; frames of other types stay for later calls. Fails after 5 s.
    /// </summary>
    public async Task<JsonElement> ExpectAsync(string type, int timeoutMs = 5000)
    {
        var stashed = _stash.FindIndex(f => f.GetProperty("type").GetString() == type);
        if (stashed >= 0)
        {
            var found = _stash[stashed];
            _stash.RemoveAt(stashed);
            return found;
        }
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            while (true)
            {
                var frame = await _inbox.Reader.ReadAsync(cts.Token);
                if (frame.GetProperty("type").GetString() == type) return frame;
                _stash.Add(frame);
            }
        }
        catch (OperationCanceledException) { throw new TimeoutException($"no '{type}' frame within {timeoutMs} ms"); }
        catch (ChannelClosedException) { throw new InvalidOperationException($"closed ({(Closed.IsCompleted ? Closed.Result : default)}) before a '{type}' frame"); }
    }

    /// <summary>True when no (unconsumed) frame of this type arrives within the window.</summary>
    public async Task<bool> NoneAsync(string type, int windowMs = 300)
    {
        try { await ExpectAsync(type, windowMs); return false; }
        catch (TimeoutException) { return true; }
        catch (InvalidOperationException) { return true; }
    }

    /// <summary>All frames received so far (without waiting).</summary>
    public List<JsonElement> Drain()
    {
        var list = new List<JsonElement>(_stash);
        _stash.Clear();
        while (_inbox.Reader.TryRead(out var f)) list.Add(f);
        return list;
    }

    public async Task<(int? Code, string? Reason)> WaitClosedAsync(int timeoutMs = 5000) =>
        await Closed.WaitAsync(TimeSpan.FromMilliseconds(timeoutMs));

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[512 * 1024]; // a frame at the SDP cap (256 KiB) fits
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult r;
                do
                {
                    r = await Ws.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += r.Count;
                } while (!r.EndOfMessage && r.MessageType != WebSocketMessageType.Close);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult(((int?)Ws.CloseStatus, Ws.CloseStatusDescription));
                    if (Ws.State == WebSocketState.CloseReceived)
                        await Ws.CloseOutputAsync(Ws.CloseStatus ?? WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    break;
                }
                using var doc = JsonDocument.Parse(buffer.AsMemory(0, length));
                var frame = doc.RootElement.Clone();
                if (frame.GetProperty("id").GetInt64() is var id and > 0) LastSeen = id;
                _inbox.Writer.TryWrite(frame);
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            _closed.TrySetResult((null, e.GetType().Name));
        }
        finally
        {
            _inbox.Writer.TryComplete();
        }
    }

    /// <summary>Drops the connection without a close handshake (like a network failure).</summary>
    public void Drop() => Ws.Abort();

    public async ValueTask DisposeAsync()
    {
        if (Ws.State == WebSocketState.Open)
        {
            try
            {
                using var cts = new CancellationTokenSource(2000);
                await Ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
                await _reader.WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException) { }
        }
        Ws.Dispose();
    }
}

internal static class TestJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };
}
