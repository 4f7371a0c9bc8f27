using System.Threading.Channels;
using Confer.Signaling;
using Confer.Signaling.Protocol;
using Confer.Signaling.Routing;

namespace Confer.Cluster.Forwarding;

/// <summary>
/// On the room's node: the <see cref="IParticipantSink"/> of a participant whose socket is on another node. Like the
/// socket it stands for, it has one bounded queue (<c>OutboundQueue</c> frames, <c>OutboundQueueBytes</c> bytes) that
/// the room writes to without waiting; one pump sends the queue to the socket's node in batches, one batch at a time, so
/// frames arrive in the order the room made them, and the close after them. A full queue is a slow consumer, as on a
/// socket. A batch that fails (the socket's node is gone or too slow for the call timeout) ends the session
/// (the <c>lost</c> callback).
/// </summary>
internal sealed class ObserverSink : IParticipantSink
{
    /// <summary>The most one call carries: the pump sends what is queued, up to this many bytes.</summary>
    public const int BatchBytes = 64 * 1024;

    private readonly IParticipantObserver _observer;
    private readonly SignalingOptions _options;
    private readonly TimeSpan _timeout;
    private readonly Channel<OutboundFrame> _out;
    private readonly CancellationTokenSource _stop = new();
    private CloseRequest? _close;
    private long _queuedBytes;
    private readonly Action<Exception> _lost;
    private int _failed;

    private sealed record CloseRequest(int Code, string Reason, OutboundFrame? FinalFrame, bool Drain);

    public ObserverSink(IParticipantObserver observer, SignalingOptions options, TimeSpan timeout, Action<Exception> lost)
    {
        _observer = observer;
        _lost = lost;
        _options = options;
        _timeout = timeout;
        _out = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(options.OutboundQueue)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        Pump = Task.Run(PumpAsync);
    }

    /// <summary>The pump; it ends after the close went out, after <see cref="Stop"/>, or when a delivery failed.</summary>
    public Task Pump { get; }

    public bool TrySend(OutboundFrame frame)
    {
        if (Volatile.Read(ref _close) is not null) return false;
        if (Interlocked.Add(ref _queuedBytes, frame.Length) <= _options.OutboundQueueBytes && _out.Writer.TryWrite(frame)) return true;
        Interlocked.Add(ref _queuedBytes, -frame.Length);
        return false;
    }

    public long QueuedBytes => Volatile.Read(ref _queuedBytes);

    public void Close(int code, string reason, OutboundFrame? finalFrame, bool drain)
    {
        if (Interlocked.CompareExchange(ref _close, new CloseRequest(code, reason, finalFrame, drain), null) is not null) return;
        _out.Writer.TryComplete();
    }

    /// <summary>The session ended on the socket's side: nothing more is sent.</summary>
    public void Stop()
    {
        _out.Writer.TryComplete();
        _stop.Cancel();
    }

    private async Task PumpAsync()
    {
        var reader = _out.Reader;
        var batch = new List<RemoteFrame>();
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                batch.Clear();
                var bytes = 0;
                while (bytes < BatchBytes && reader.TryRead(out var frame))
                {
                    Interlocked.Add(ref _queuedBytes, -frame.Length);
                    if (Volatile.Read(ref _close) is { Drain: false }) break;
                    batch.Add(new RemoteFrame(frame.Id, frame.Body));
                    bytes += frame.Length;
                }
                if (Volatile.Read(ref _close) is { Drain: false }) break;
                if (batch.Count > 0) await _observer.DeliverAsync([.. batch]).WaitAsync(_timeout, _stop.Token).ConfigureAwait(false);
            }
            if (Volatile.Read(ref _close) is { } c && !_stop.IsCancellationRequested)
            {
                RemoteFrame? final = c.FinalFrame is { } f ? new RemoteFrame(f.Id, f.Body) : null;
                await _observer.CloseAsync(c.Code, c.Reason, final, c.Drain).WaitAsync(_timeout, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private void Fail(Exception e)
    {
        if (Interlocked.Exchange(ref _failed, 1) != 0) return;
        Volatile.Write(ref _close, _close ?? new CloseRequest(CloseCodes.GoingAway, "lost", null, false));
        _out.Writer.TryComplete();
        while (_out.Reader.TryRead(out var frame)) Interlocked.Add(ref _queuedBytes, -frame.Length);
        _lost(e);
    }
}
