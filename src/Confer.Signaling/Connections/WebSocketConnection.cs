using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Confer.Signaling.Protocol;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;
using Microsoft.Extensions.Logging;

namespace Confer.Signaling.Connections;

/// <summary>
/// One participant's WebSocket on this node: a read loop that parses, rate-limits and sends frames to the
/// participant's room through the <see cref="IRoomRouter"/>, and a write loop draining a bounded queue
/// that the room delivers to (<see cref="IParticipantSink"/>). When the queue is full the client is too
/// slow and is closed (4011) rather than making the room wait.
/// </summary>
public sealed partial class WebSocketConnection : IParticipantSink
{
    private readonly WebSocket _ws;
    private readonly SignalingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ISignalingCounters _counters;
    private readonly Channel<OutboundFrame> _out;
    private CloseRequest? _close;
    private ITimer? _abortTimer;
    private long _lastReceived;
    private long _queuedBytes;

    private sealed record CloseRequest(int Code, string Reason, OutboundFrame? FinalFrame, bool Drain);

    public WebSocketConnection(WebSocket ws, SignalingOptions options, TimeProvider time, ILogger log, ISignalingCounters? counters = null)
    {
        _ws = ws;
        _counters = counters ?? ISignalingCounters.None;
        _options = options;
        _time = time;
        _log = log;
        _out = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(options.OutboundQueue)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>This connection, as rooms know it: they take frames only from the connection that owns a participant.</summary>
    public ConnectionId Id { get; } = ConnectionId.Next();

    /// <summary>Why the connection ended, once it has.</summary>
    public string? EndReason { get; private set; }

    /// <summary>Queues a frame; false when closed, or when the queue holds <c>OutboundQueue</c> frames or <c>OutboundQueueBytes</c> bytes.</summary>
    public bool TrySend(OutboundFrame frame)
    {
        if (Volatile.Read(ref _close) is not null) return false;
        if (Interlocked.Add(ref _queuedBytes, frame.Length) <= _options.OutboundQueueBytes && _out.Writer.TryWrite(frame)) return true;
        Interlocked.Add(ref _queuedBytes, -frame.Length);
        return false;
    }

    /// <inheritdoc />
    public long QueuedBytes => Volatile.Read(ref _queuedBytes);

    public void Close(int code, string reason, OutboundFrame? finalFrame, bool drain)
    {
        var request = new CloseRequest(code, TrimReason(reason), finalFrame, drain);
        if (Interlocked.CompareExchange(ref _close, request, null) is not null) return;
        if (code == CloseCodes.SlowConsumer) LogSlowConsumer(_log, _options.OutboundQueue, _options.OutboundQueueBytes);
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

    /// <summary>Runs the connection for a joined participant until it ends, then tells its room through the router.</summary>
    public async Task RunAsync(IRoomRouter router, RoomName room, ParticipantSid participant, CancellationToken ct)
    {
        _lastReceived = _time.GetTimestamp();
        var writer = WriteLoopAsync();
        using var pingTimer = _time.CreateTimer(static s => ((WebSocketConnection)s!).CheckAlive(), this, _options.PingInterval, _options.PingInterval);
        string? terminal;
        try
        {
            terminal = await ReadLoopAsync(router, room, participant, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            terminal = null; // the socket dropped: the participant may resume
        }
        catch (Exception e)
        {
            // A bug, not the client's doing: end this participant cleanly instead of leaking it.
            LogUnexpected(_log, e);
            terminal = LeaveReasons.Kicked;
            Close(1011, "internal error", null, drain: false);
        }
        router.Leave(new LeaveRequest(room, participant, Id, terminal));
        if (_ws.State == WebSocketState.CloseReceived) Close(CloseCodes.Normal, "left", null, drain: false);
        else if (Volatile.Read(ref _close) is null) Abort();
        await writer.ConfigureAwait(false);
        if (Volatile.Read(ref _close) is not null && _ws.State == WebSocketState.CloseSent)
            await DrainUntilCloseAsync(ct).ConfigureAwait(false);
        _abortTimer?.Dispose();
        _ws.Dispose();
    }

    /// <summary>Reads frames until the socket closes; returns a leave reason when the participant must leave now.</summary>
    private async Task<string?> ReadLoopAsync(IRoomRouter router, RoomName room, ParticipantSid participant, CancellationToken ct)
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
                    ? Parse(frame) is { } message
                        ? await router.SignalAsync(new SignalRequest(room, participant, Id, message)).ConfigureAwait(false)
                        : false
                    : Reject(ErrorCodes.InvalidJson, "binary frames are not part of the protocol");
                invalid = ok ? 0 : invalid + 1;
                if (invalid >= _options.MaxInvalidFrames) return Kick(CloseCodes.TooManyErrors, $"too many errors: {invalid} invalid frames in a row");
                // A close that drains to a final frame comes from the room: the participant has left it.
                if (Volatile.Read(ref _close) is { Drain: true }) return LeaveReasons.Left;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The client message in a text frame; null (after an <c>error</c> frame) when it is not one.</summary>
    private ClientMessage? Parse(ReadOnlySpan<byte> frame)
    {
        ClientMessage? message;
        try { message = JsonSerializer.Deserialize(frame, ProtocolJsonContext.Default.ClientMessage); }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            _counters.MessageIn("invalid");
            Reject(ErrorCodes.InvalidJson, "the frame is not a JSON object of the expected shape");
            return null;
        }
        if (message is null)
        {
            _counters.MessageIn("invalid");
            Reject(ErrorCodes.InvalidJson, "the frame is not a JSON object");
            return null;
        }
        _counters.MessageIn(ClientTypes.Known(message.Type));
        LogReceived(_log, ClientTypes.Known(message.Type));
        return message;
    }

    private bool Reject(string code, string message)
    {
        LogRejected(_log, code, message);
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
        // Each frame is put together here from its shared body: one buffer per connection, reused.
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            var reader = _out.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    Interlocked.Add(ref _queuedBytes, -frame.Length);
                    if (Volatile.Read(ref _close) is { Drain: false }) goto close;
                    await SendFrameAsync(frame).ConfigureAwait(false);
                    _counters.MessageOut(frame.Body);
                }
            }
        close:
            if (Volatile.Read(ref _close) is { } c && _ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                if (c.FinalFrame is { } final && _ws.State == WebSocketState.Open)
                    await SendFrameAsync(final).ConfigureAwait(false);
                await _ws.CloseOutputAsync((WebSocketCloseStatus)c.Code, c.Reason, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The socket is gone; the read loop notices too.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        ValueTask SendFrameAsync(OutboundFrame frame)
        {
            if (buffer.Length < frame.Length)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = ArrayPool<byte>.Shared.Rent(frame.Length);
            }
            var n = Frame.Write(frame.Id, frame.Body, buffer);
            return _ws.SendAsync(buffer.AsMemory(0, n), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
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

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "Unexpected error on a signaling connection")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 206, Level = LogLevel.Debug, Message = "Received {Type}")]
    private static partial void LogReceived(ILogger logger, string type);

    [LoggerMessage(EventId = 207, Level = LogLevel.Debug, Message = "Answered a bad frame with {Code}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string code, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Closing a slow consumer: its queue reached {Queue} frames or {QueueBytes} bytes")]
    private static partial void LogSlowConsumer(ILogger logger, int queue, int queueBytes);
}
