using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Confer.Signaling.Protocol;
using Confer.Signaling.Rooms;
using Microsoft.Extensions.Logging;

namespace Confer.Signaling.Routing;

/// <summary>
/// One participant's WebSocket on this node: a read loop that parses, rate-limits and hands frames to
/// <see cref="RoomManager"/>, and a write loop draining a bounded queue. When the queue is full the client
/// is too slow and is closed (4011) rather than making the room wait.
/// </summary>
public sealed partial class WebSocketConnection : IParticipantSink
{
    private readonly WebSocket _ws;
    private readonly SignalingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Channel<byte[]> _out;
    private CloseRequest? _close;
    private ITimer? _abortTimer;
    private long _lastReceived;

    private sealed record CloseRequest(int Code, string Reason, byte[]? FinalFrame, bool Drain);

    public WebSocketConnection(WebSocket ws, SignalingOptions options, TimeProvider time, ILogger log)
    {
        _ws = ws;
        _options = options;
        _time = time;
        _log = log;
        _out = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(options.OutboundQueue)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Why the connection ended, once it has.</summary>
    public string? EndReason { get; private set; }

    public bool TrySend(byte[] frame) => Volatile.Read(ref _close) is null && _out.Writer.TryWrite(frame);

    public void Close(int code, string reason, byte[]? finalFrame, bool drain)
    {
        var request = new CloseRequest(code, TrimReason(reason), finalFrame, drain);
        if (Interlocked.CompareExchange(ref _close, request, null) is not null) return;
        if (code == CloseCodes.SlowConsumer) LogSlowConsumer(_log, _options.OutboundQueue);
        _out.Writer.TryComplete();
        // A client that never finishes the closing handshake (or never reads) is cut off.
        _abortTimer = _time.CreateTimer(static s => ((WebSocketConnection)s!).Abort(), this, _options.CloseTimeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Closes a connection that never got state (bad token, full room) with a code and reason.</summary>
    public async Task RefuseAsync(int code, string reason, CancellationToken ct)
    {
        EndReason = reason;
        Close(code, reason, Frame.Local(new LeaveMessage("refused", reason)), drain: true);
        await WriteLoopAsync().ConfigureAwait(false);
        await DrainUntilCloseAsync(ct).ConfigureAwait(false);
        _abortTimer?.Dispose();
    }

    /// <summary>Runs the connection for a joined participant until it ends, then tells the room manager.</summary>
    public async Task RunAsync(RoomManager manager, Participant participant, CancellationToken ct)
    {
        _lastReceived = _time.GetTimestamp();
        var writer = WriteLoopAsync();
        using var pingTimer = _time.CreateTimer(static s => ((WebSocketConnection)s!).CheckAlive(), this, _options.PingInterval, _options.PingInterval);
        string? terminal;
        try
        {
            terminal = await ReadLoopAsync(manager, participant, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            terminal = null; // the socket dropped: the participant may resume
        }
        manager.ConnectionEnded(participant, this, terminal);
        if (_ws.State == WebSocketState.CloseReceived) Close(CloseCodes.Normal, "left", null, drain: false);
        else if (Volatile.Read(ref _close) is null) Abort();
        await writer.ConfigureAwait(false);
        if (Volatile.Read(ref _close) is not null && _ws.State == WebSocketState.CloseSent)
            await DrainUntilCloseAsync(ct).ConfigureAwait(false);
        _abortTimer?.Dispose();
        _ws.Dispose();
    }

    /// <summary>Reads frames until the socket closes; returns a leave reason when the participant must leave now.</summary>
    private async Task<string?> ReadLoopAsync(RoomManager manager, Participant participant, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var tokens = (double)_options.MessageBurst;
        var lastRefill = _time.GetTimestamp();
        var invalid = 0;
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > _options.MaxFrameBytes) return Kick(CloseCodes.TooBig, $"frame too large: the limit is {_options.MaxFrameBytes} bytes");
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 4, _options.MaxFrameBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var result = await _ws.ReceiveAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
                _lastReceived = _time.GetTimestamp();
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    EndReason = "client closed";
                    // A normal close (or a page going away) is a leave; anything else may come back.
                    return _ws.CloseStatus is WebSocketCloseStatus.NormalClosure or WebSocketCloseStatus.EndpointUnavailable
                        ? LeaveReasons.Left : null;
                }
                length += result.Count;
                if (length > _options.MaxFrameBytes) return Kick(CloseCodes.TooBig, $"frame too large: the limit is {_options.MaxFrameBytes} bytes");
                if (!result.EndOfMessage) continue;

                var frame = buffer.AsSpan(0, length);
                length = 0;

                var now = _time.GetTimestamp();
                tokens = Math.Min(_options.MessageBurst, tokens + _time.GetElapsedTime(lastRefill, now).TotalSeconds * _options.MessagesPerSecond);
                lastRefill = now;
                if (tokens < 1) return Kick(CloseCodes.RateLimited, $"rate limited: more than {_options.MessagesPerSecond} frames per second");
                tokens -= 1;

                var ok = result.MessageType == WebSocketMessageType.Text
                    ? Dispatch(manager, participant, frame)
                    : Reject(ErrorCodes.InvalidJson, "binary frames are not part of the protocol");
                invalid = ok ? 0 : invalid + 1;
                if (invalid >= _options.MaxInvalidFrames) return Kick(CloseCodes.TooManyErrors, $"too many errors: {invalid} invalid frames in a row");
                if (Volatile.Read(ref _close) is not null && participant.Gone) return LeaveReasons.Left;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool Dispatch(RoomManager manager, Participant participant, ReadOnlySpan<byte> frame)
    {
        ClientMessage? message;
        try { message = JsonSerializer.Deserialize(frame, ProtocolJsonContext.Default.ClientMessage); }
        catch (JsonException) { return Reject(ErrorCodes.InvalidJson, "the frame is not a JSON object of the expected shape"); }
        catch (InvalidOperationException) { return Reject(ErrorCodes.InvalidJson, "the frame is not a JSON object of the expected shape"); }
        if (message is null) return Reject(ErrorCodes.InvalidJson, "the frame is not a JSON object");
        return manager.Handle(participant, this, message);
    }

    private bool Reject(string code, string message)
    {
        TrySend(Frame.Local(new ErrorMessage(code, message, null)));
        return false;
    }

    private string Kick(int code, string reason)
    {
        EndReason = reason;
        LogKicked(_log, code, reason);
        Close(code, reason, Frame.Local(new LeaveMessage(LeaveReasons.Kicked, reason)), drain: false);
        return LeaveReasons.Kicked;
    }

    private void CheckAlive()
    {
        if (_time.GetElapsedTime(Volatile.Read(ref _lastReceived)) <= _options.PingTimeout) return;
        EndReason = "ping timeout";
        Close(CloseCodes.PingTimeout, "ping timeout", null, drain: false);
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            var reader = _out.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    if (Volatile.Read(ref _close) is { Drain: false }) goto close;
                    await _ws.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
                }
            }
        close:
            if (Volatile.Read(ref _close) is { } c && _ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                if (c.FinalFrame is not null && _ws.State == WebSocketState.Open)
                    await _ws.SendAsync(c.FinalFrame, WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
                await _ws.CloseOutputAsync((WebSocketCloseStatus)c.Code, c.Reason, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The socket is gone; the read loop notices too.
        }
    }

    /// <summary>After our close frame: read (and drop) until the client's close frame arrives.</summary>
    private async Task DrainUntilCloseAsync(CancellationToken ct)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(1024);
        try
        {
            while (_ws.State == WebSocketState.CloseSent)
            {
                var r = await _ws.ReceiveAsync(scratch.AsMemory(), ct).ConfigureAwait(false);
                if (r.MessageType == WebSocketMessageType.Close) break;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private void Abort()
    {
        _out.Writer.TryComplete();
        _ws.Abort();
    }

    private static string TrimReason(string reason)
    {
        // A close frame's reason is at most 123 bytes of UTF-8.
        if (System.Text.Encoding.UTF8.GetByteCount(reason) <= 123) return reason;
        var cut = reason.Length;
        while (System.Text.Encoding.UTF8.GetByteCount(reason.AsSpan(0, cut)) > 120) cut--;
        return reason[..cut] + "…";
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Closing a connection ({Code}): {Reason}")]
    private static partial void LogKicked(ILogger logger, int code, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Closing a slow consumer: {Queue} frames queued")]
    private static partial void LogSlowConsumer(ILogger logger, int queue);
}
