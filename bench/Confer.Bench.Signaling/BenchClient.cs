using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace Confer.Bench.Signaling;

/// <summary>One simulated participant: a real WebSocket, a receive loop that timestamps what arrives.</summary>
internal sealed class BenchClient
{
    private readonly ClientWebSocket _ws = new();
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    public BenchClient(int room, int index)
    {
        Room = room;
        Index = index;
        _ws.Options.KeepAliveInterval = TimeSpan.Zero;
    }

    public int Room { get; }
    public int Index { get; }
    public bool Failed { get; private set; }
    public bool Joined => _joined.Task.IsCompletedSuccessfully;
    public int? CloseCode { get; private set; }

    /// <summary>Highest non-zero frame id received (for <c>ping.lastSeen</c>).</summary>
    public long LastSeen { get; private set; }

    /// <summary>Called with (payload, receive timestamp) for every <c>data</c> frame.</summary>
    public Action<string, long>? OnData { get; set; }

    /// <summary>Connects and waits for <c>join</c>; returns the join latency.</summary>
    public async Task<TimeSpan> JoinAsync(Uri rtc, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        await _ws.ConnectAsync(rtc, ct);
        _ = Task.Run(ReceiveLoopAsync, CancellationToken.None);
        await _joined.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        return Stopwatch.GetElapsedTime(start);
    }

    public async Task SendAsync(string json)
    {
        await _sendLock.WaitAsync();
        try
        {
            // A server that reads no more would hold the send for ever: give up after 10 s (the socket is then aborted).
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _ws.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, cts.Token);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException) { Failed = true; }
        finally { _sendLock.Release(); }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult r;
                do
                {
                    if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                    r = await _ws.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += r.Count;
                } while (!r.EndOfMessage && r.MessageType != WebSocketMessageType.Close);
                if (r.MessageType == WebSocketMessageType.Close) break;
                var now = Stopwatch.GetTimestamp();
                var frame = buffer.AsSpan(0, length);
                if (frame.StartsWith("{\"v\":1,\"id\":"u8) && System.Buffers.Text.Utf8Parser.TryParse(frame[13..], out long id, out _) && id > 0)
                    LastSeen = id;
                if (frame.IndexOf("\"type\":\"data\""u8) >= 0)
                {
                    // The bench's own payloads are plain ASCII; avoid a full parse on the hot path.
                    var at = frame.IndexOf("\"payload\":\""u8) + 11;
                    var end = frame[at..].IndexOf((byte)'"');
                    OnData?.Invoke(Encoding.ASCII.GetString(frame.Slice(at, end)), now);
                }
                else if (frame.IndexOf("\"type\":\"join\""u8) >= 0) _joined.TrySetResult();
                else if (frame.IndexOf("\"type\":\"leave\""u8) >= 0) Failed = true;
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException)
        {
        }
        if (!_joined.Task.IsCompleted) _joined.TrySetException(new InvalidOperationException("closed before join"));
        if (_ws.CloseStatus is { } status && status != WebSocketCloseStatus.NormalClosure) { Failed = true; CloseCode = (int)status; }
    }

    public async Task CloseAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException) { }
        _ws.Dispose();
    }
}
