using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Confer.Cluster.Tests.Support;

/// <summary>
/// A signaling client for the cluster tests: one WebSocket to one node's <c>/rtc</c> that records every frame, waits for
/// frames by type (and a condition), sends protocol frames, and closes cleanly or drops.
/// </summary>
internal sealed class SignalClient : IAsyncDisposable
{
    private readonly ClientWebSocket _ws = new();
    private readonly List<JsonElement> _frames = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly SemaphoreSlim _sending = new(1);
    private readonly TaskCompletionSource<(WebSocketCloseStatus? Code, string? Reason)> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastId;

    public static Task<SignalClient> ConnectAsync(int httpPort, string token, string? query = null) =>
        ConnectAsync(new Uri($"ws://127.0.0.1:{httpPort}/rtc?access_token={Uri.EscapeDataString(token)}{query}"));

    /// <summary>Over TLS to a loopback port (through haproxy to a node's self-signed <c>--dev</c> certificate, accepted as is).</summary>
    public static Task<SignalClient> ConnectTlsAsync(int httpsPort, string token) =>
        ConnectAsync(new Uri($"wss://127.0.0.1:{httpsPort}/rtc?access_token={Uri.EscapeDataString(token)}"));

    private static async Task<SignalClient> ConnectAsync(Uri uri)
    {
        var client = new SignalClient();
        client._ws.Options.KeepAliveInterval = TimeSpan.Zero;
        if (uri.Scheme == "wss") client._ws.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true; // loopback only
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client._ws.ConnectAsync(uri, cts.Token);
        _ = client.ReadAsync();
        return client;
    }

    public Task<(WebSocketCloseStatus? Code, string? Reason)> Closed => _closed.Task;

    /// <summary>The highest frame id seen (what a resume sends as <c>lastSeen</c>).</summary>
    public long LastId => Interlocked.Read(ref _lastId);

    public Task<JsonElement> ExpectAsync(string type, TimeSpan timeout) => ExpectAsync(type, _ => true, timeout);

    /// <summary>The first frame of this type that meets <paramref name="match"/>, waiting up to <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> ExpectAsync(string type, Func<JsonElement, bool> match, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            lock (_frames)
                foreach (var f in _frames)
                    if (f.GetProperty("type").GetString() == type && match(f)) return f;
            var left = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            if (left <= TimeSpan.Zero || (_closed.Task.IsCompleted && !await _arrived.WaitAsync(0)))
                throw new TimeoutException($"no matching '{type}' frame; got: {string.Join(", ", Types())}; closed: {(_closed.Task.IsCompleted ? _closed.Task.Result : default)}");
            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Every frame of this type so far, in the order they arrived.</summary>
    public List<JsonElement> AllOf(string type)
    {
        lock (_frames) return [.. _frames.Where(f => f.GetProperty("type").GetString() == type)];
    }

    /// <summary>Like <see cref="ExpectAsync(string, Func{JsonElement, bool}, TimeSpan)"/>, looking from the newest frame back (for timing many frames).</summary>
    public async Task<JsonElement> ExpectLastAsync(string type, Func<JsonElement, bool> match, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            lock (_frames)
                for (var i = _frames.Count - 1; i >= 0 && i >= _frames.Count - 8; i--)
                    if (_frames[i].GetProperty("type").GetString() == type && match(_frames[i])) return _frames[i];
            if (Stopwatch.GetTimestamp() > deadline || _closed.Task.IsCompleted) throw new TimeoutException($"no matching '{type}' frame; last: {string.Join(" | ", _frames.TakeLast(3).Select(f => f.GetRawText()))}");
            await _arrived.WaitAsync(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>True when a frame of this type meeting <paramref name="match"/> has arrived.</summary>
    public bool Has(string type, Func<JsonElement, bool> match)
    {
        lock (_frames) return _frames.Any(f => f.GetProperty("type").GetString() == type && match(f));
    }

    /// <summary>Sends one client frame (an object serialized as JSON, with <c>"v":1</c> added by the caller's shape).</summary>
    public async Task SendAsync(object frame)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(frame);
        await _sending.WaitAsync();
        try { await _ws.SendAsync(bytes, WebSocketMessageType.Text, true, CancellationToken.None); }
        finally { _sending.Release(); }
    }

    /// <summary>Ends the socket with a normal close (a leave) and waits for the server's close frame.</summary>
    public async Task CloseAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token); }
        catch (WebSocketException) { }
        await _closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private List<string?> Types()
    {
        lock (_frames) return [.. _frames.Select(f => f.GetProperty("type").GetString())];
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[256 * 1024];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _ws.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += result.Count;
                } while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult((_ws.CloseStatus, _ws.CloseStatusDescription));
                    if (_ws.State == WebSocketState.CloseReceived)
                        await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    break;
                }
                var frame = JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, length)).RootElement.Clone();
                if (frame.TryGetProperty("id", out var id) && id.GetInt64() > Interlocked.Read(ref _lastId)) Interlocked.Exchange(ref _lastId, id.GetInt64());
                lock (_frames) _frames.Add(frame);
                _arrived.Release();
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException)
        {
            _closed.TrySetResult((null, e.Message));
        }
        _arrived.Release();
    }

    /// <summary>Drops the socket without a close frame (as a lost network does).</summary>
    public ValueTask DisposeAsync()
    {
        _ws.Abort();
        _ws.Dispose();
        return ValueTask.CompletedTask;
    }
}
