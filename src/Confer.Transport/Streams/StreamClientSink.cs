using System.Buffers;
using System.IO.Pipelines;
using System.Net;

namespace Confer.Transport.Streams;

/// <summary>
/// Sends to one TCP/TLS client without a hop when it can: the first sender to find the connection idle writes to the
/// <see cref="PipeWriter"/> and flushes on its own thread; senders arriving while a write or a flush is in progress
/// queue a pooled copy, which the writing thread, or the continuation of a flush that had to wait, writes next. Nobody
/// ever waits on a slow client: the queue holds at most <paramref name="maxQueuedBytes"/>; beyond, a message is dropped
/// (TURN data is datagram traffic: the client sees loss, other clients see nothing), and a client whose queue stays full
/// for <paramref name="stall"/> without anything leaving (it does not read) is closed through <paramref name="overflow"/>.
/// </summary>
/// <remarks>
/// The protocol above reports on the client through <see cref="IStreamSession"/>; the sink passes that on to
/// <paramref name="session"/> (the connection guard's view of the connection), when there is one.
/// </remarks>
internal sealed class StreamClientSink(ClientTransport transport, int maxQueuedBytes, TimeSpan stall, TimeProvider time, Action overflow, IStreamSession? session = null)
    : IStreamClientSink, IStreamSession
{
    private readonly long _stall = (long)(stall.TotalSeconds * time.TimestampFrequency);
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Queue<(byte[] Buffer, int Length)> _pending = new();
    private Queue<(byte[] Buffer, int Length)> _batch = new();
    private int _pendingBytes; // bytes in _pending
    private long _fullSince;   // when a message was first dropped with nothing written since (0: not full)
    private PipeWriter? _output;
    private bool _writing;   // one thread owns the PipeWriter
    private bool _completing; // no more messages; what is queued still goes out
    private bool _broken;    // the connection is gone; what is queued is dropped

    public ClientTransport Transport { get; } = transport;

    /// <summary>Set by a handler taking the connection over (TURN: ConnectionBind, RFC 6062): from now on it is a raw pipe.</summary>
    public IStreamTakeover? Upgraded { get; set; }

    public void MarkAuthenticated() => session?.MarkAuthenticated();

    public void MarkIdle() => session?.MarkIdle();

    public bool Send(ReadOnlySpan<byte> bytes, SocketAddress destination)
    {
        PipeWriter? output = null;
        lock (_gate)
        {
            if (_output is null || _completing || _broken) return false;
            if (!_writing)
            {
                _writing = true;
                output = _output;
            }
            else if (_pendingBytes + bytes.Length <= maxQueuedBytes)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(bytes.Length);
                bytes.CopyTo(buffer);
                _pending.Enqueue((buffer, bytes.Length));
                _pendingBytes += bytes.Length;
                return true;
            }
            else
            {
                // Full: dropped. Full for the stall time with nothing leaving: the client does not read, and is closed.
                long now = time.GetTimestamp();
                if (_fullSince == 0) _fullSince = now;
                if (now - _fullSince < _stall) return false;
                _broken = true; // the writing thread drops what is queued
            }
        }
        if (output is null)
        {
            overflow();
            return false;
        }
        try
        {
            output.Write(bytes);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or ObjectDisposedException)
        {
            Release(broken: true);
            return false;
        }
        FlushAndContinue(output);
        return true;
    }

    /// <summary>Starts sending to <paramref name="output"/>; the task ends once <see cref="Complete"/> was called and everything queued is written (or the connection is gone).</summary>
    public Task RunAsync(PipeWriter output, CancellationToken ct)
    {
        lock (_gate)
        {
            _output = output;
        }
        var registration = ct.Register(static state => ((StreamClientSink)state!).Release(broken: true, fromCancel: true), this);
        _ = _done.Task.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Dispose(), registration, TaskScheduler.Default);
        return _done.Task;
    }

    /// <summary>No more messages: the task from <see cref="RunAsync"/> ends when what is queued is written.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completing = true;
            if (_writing) return; // the writing thread finishes the queue and signals
        }
        _done.TrySetResult();
    }

    /// <summary>Owner of the writer: flushes, then writes and flushes what queued meanwhile, until the queue is empty.</summary>
    private void FlushAndContinue(PipeWriter output)
    {
        while (true)
        {
            ValueTask<FlushResult> flush;
            try
            {
                flush = output.FlushAsync();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                Release(broken: true);
                return;
            }
            if (!flush.IsCompleted)
            {
                _ = WaitAndContinueAsync(flush, output);
                return;
            }
            if (!Flushed(flush) || !WriteQueued(output)) return;
        }
    }

    private async Task WaitAndContinueAsync(ValueTask<FlushResult> flush, PipeWriter output)
    {
        FlushResult result;
        try
        {
            result = await flush.ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            Release(broken: true);
            return;
        }
        if (result.IsCompleted || result.IsCanceled) Release(broken: true);
        else if (WriteQueued(output)) FlushAndContinue(output);
    }

    private bool Flushed(ValueTask<FlushResult> flush)
    {
        FlushResult result;
        try
        {
            result = flush.Result;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            Release(broken: true);
            return false;
        }
        if (!result.IsCompleted && !result.IsCanceled) return true;
        Release(broken: true);
        return false;
    }

    /// <summary>Writes the queued messages; false (and ownership given up) when there were none.</summary>
    private bool WriteQueued(PipeWriter output)
    {
        Queue<(byte[] Buffer, int Length)> batch;
        lock (_gate)
        {
            if (_pending.Count == 0 || _broken)
            {
                ReleaseLocked(_broken);
                return false;
            }
            batch = _pending;
            _pending = _batch;
            _batch = batch;
            _pendingBytes = 0;
            _fullSince = 0; // moving: the client reads
        }
        bool ok = true;
        while (batch.TryDequeue(out var item))
        {
            if (ok)
            {
                try
                {
                    output.Write(item.Buffer.AsSpan(0, item.Length));
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or ObjectDisposedException)
                {
                    ok = false;
                }
            }
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }
        if (!ok) Release(broken: true);
        return ok;
    }

    private void Release(bool broken, bool fromCancel = false)
    {
        // Flushes carry no token (that is a registration per flush): a flush waiting on a stuck client ends here.
        if (fromCancel) Volatile.Read(ref _output)?.CancelPendingFlush();
        lock (_gate)
        {
            if (fromCancel)
            {
                _broken = true;
                if (_writing) return; // the writing thread sees it and signals
                DropQueued();
                _done.TrySetResult();
                return;
            }
            ReleaseLocked(broken);
        }
    }

    private void ReleaseLocked(bool broken)
    {
        _writing = false;
        if (broken) _broken = true;
        if (_broken) DropQueued();
        if (_broken || (_completing && _pending.Count == 0)) _done.TrySetResult();
    }

    private void DropQueued()
    {
        while (_pending.TryDequeue(out var item)) ArrayPool<byte>.Shared.Return(item.Buffer);
        _pendingBytes = 0;
    }
}
