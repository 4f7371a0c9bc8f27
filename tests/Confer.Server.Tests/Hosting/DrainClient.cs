using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Confer.Server.Tests.Hosting;

/// <summary>What the graceful-restart tests need around a <c>confer serve</c> process: ports, signals, a signaling client.</summary>
internal static class DrainClient
{
    /// <summary>A port free for TCP and UDP on 127.0.0.1 just now (the server binds it a moment later).</summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try { udp.Bind(new IPEndPoint(IPAddress.Loopback, port)); return port; }
            catch (SocketException) { }
        }
        throw new InvalidOperationException("no free port on 127.0.0.1");
    }

    /// <summary>Sends a signal to a process by its PID, as systemd or a person with <c>kill</c> would.</summary>
    public static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-s", signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        Assert.True(kill.WaitForExit(5000), "kill did not finish");
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>The status of <c>GET /readyz</c>, or null when nothing answers.</summary>
    public static async Task<int?> ReadyAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync("/readyz");
            return (int)response.StatusCode;
        }
        catch (HttpRequestException) { return null; }
        catch (TaskCanceledException) { return null; }
    }

    /// <summary>A dev token for <paramref name="room"/> from <c>POST /api/token</c>.</summary>
    public static async Task<string> TokenAsync(HttpClient http, string room, string name)
    {
        using var response = await http.PostAsJsonAsync("/api/token", new { room, name });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("token").GetString()!;
    }
}

/// <summary>One signaling WebSocket that records every frame and how it closed.</summary>
internal sealed class RtcSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _ws = new();
    private readonly List<JsonElement> _frames = [];
    private readonly TaskCompletionSource<(WebSocketCloseStatus? Code, string? Reason)> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _arrived = new(0);

    public static async Task<RtcSocket> ConnectAsync(int httpPort, string token)
    {
        var socket = new RtcSocket();
        socket._ws.Options.KeepAliveInterval = TimeSpan.Zero;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket._ws.ConnectAsync(new Uri($"ws://127.0.0.1:{httpPort}/rtc?access_token={Uri.EscapeDataString(token)}"), cts.Token);
        _ = socket.ReadAsync();
        return socket;
    }

    public Task<(WebSocketCloseStatus? Code, string? Reason)> Closed => _closed.Task;

    /// <summary>The first frame of this type, waiting up to <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> ExpectAsync(string type, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            lock (_frames)
                foreach (var f in _frames)
                    if (f.GetProperty("type").GetString() == type) return f;
            var left = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            if (left <= TimeSpan.Zero || (_closed.Task.IsCompleted && !await _arrived.WaitAsync(0)))
                throw new TimeoutException($"no '{type}' frame; got: {string.Join(", ", Types())}; closed: {(_closed.Task.IsCompleted ? _closed.Task.Result : default)}");
            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
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

    public ValueTask DisposeAsync()
    {
        _ws.Abort();
        _ws.Dispose();
        return ValueTask.CompletedTask;
    }
}
