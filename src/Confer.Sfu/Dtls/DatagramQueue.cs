using System.Buffers;

namespace Confer.Sfu.Dtls;

/// <summary>
/// Received DTLS datagrams waiting for the blocking DTLS thread: a ring bounded both in datagram count
/// and in total bytes. A datagram that does not fit is dropped (DTLS retransmits, RFC 6347 §4.2.4), so
/// a flood costs at most the limits. Copies live in pooled arrays, so enqueueing allocates nothing
/// after warm-up. One producer or many (the receive path), one consumer (the DTLS thread).
/// </summary>
internal sealed class DatagramQueue
{
    private readonly object _gate = new();
    private readonly byte[]?[] _buffers;
    private readonly int[] _lengths;
    private readonly int _maxBytes;
    private readonly TimeProvider _timeProvider;
    private int _head;
    private int _count;
    private int _bytes;
    private bool _closed;
    private long _dropped;
    private long _lastEnqueueTimestamp;

    public DatagramQueue(int maxCount, int maxBytes, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        _buffers = new byte[]?[maxCount];
        _lengths = new int[maxCount];
        _maxBytes = maxBytes;
        _timeProvider = timeProvider;
        _lastEnqueueTimestamp = timeProvider.GetTimestamp();
    }

    /// <summary>Datagrams dropped because the queue was full or closed.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public int Count
    {
        get { lock (_gate) { return _count; } }
    }

    public int Bytes
    {
        get { lock (_gate) { return _bytes; } }
    }

    public bool IsClosed
    {
        get { lock (_gate) { return _closed; } }
    }

    /// <summary>When the last datagram was accepted (a <see cref="TimeProvider"/> timestamp).</summary>
    public long LastEnqueueTimestamp
    {
        get { lock (_gate) { return _lastEnqueueTimestamp; } }
    }

    /// <summary>Copies the datagram in; false (and counted as dropped) when it would exceed a limit or the queue is closed.</summary>
    public bool TryEnqueue(ReadOnlySpan<byte> datagram)
    {
        lock (_gate)
        {
            if (_closed || _count == _buffers.Length || _bytes + datagram.Length > _maxBytes)
            {
                _dropped++;
                return false;
            }
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(datagram.Length, 1));
            datagram.CopyTo(buffer);
            int tail = (_head + _count) % _buffers.Length;
            _buffers[tail] = buffer;
            _lengths[tail] = datagram.Length;
            _count++;
            _bytes += datagram.Length;
            _lastEnqueueTimestamp = _timeProvider.GetTimestamp();
            Monitor.Pulse(_gate);
            return true;
        }
    }

    /// <summary>
    /// Takes the oldest datagram into <paramref name="destination"/> (cut to fit; DTLS then discards the record),
    /// waiting up to <paramref name="waitMillis"/> (0 or less: until one arrives). Returns its length, or -1 on
    /// timeout. Throws <see cref="OperationCanceledException"/> when <paramref name="cancellation"/> fires and
    /// <see cref="ObjectDisposedException"/> once the queue is closed; <see cref="Wake"/> makes a waiter look again.
    /// </summary>
    public int Dequeue(Span<byte> destination, int waitMillis, CancellationToken cancellation)
    {
        long deadline = waitMillis > 0 ? Environment.TickCount64 + waitMillis : long.MaxValue;
        lock (_gate)
        {
            while (true)
            {
                if (_closed)
                {
                    throw new ObjectDisposedException(nameof(DatagramQueue));
                }
                cancellation.ThrowIfCancellationRequested();
                if (_count > 0)
                {
                    var buffer = _buffers[_head]!;
                    int length = _lengths[_head];
                    _buffers[_head] = null;
                    _head = (_head + 1) % _buffers.Length;
                    _count--;
                    _bytes -= length;
                    int copied = Math.Min(length, destination.Length);
                    buffer.AsSpan(0, copied).CopyTo(destination);
                    ArrayPool<byte>.Shared.Return(buffer);
                    return copied;
                }
                long remaining = deadline - Environment.TickCount64;
                if (remaining <= 0)
                {
                    return -1;
                }
                Monitor.Wait(_gate, (int)Math.Min(remaining, int.MaxValue));
            }
        }
    }

    /// <summary>Wakes a waiting <see cref="Dequeue"/> so it re-checks cancellation.</summary>
    public void Wake()
    {
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Refuses further datagrams, returns every queued buffer to the pool and wakes the consumer.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            while (_count > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffers[_head]!);
                _buffers[_head] = null;
                _head = (_head + 1) % _buffers.Length;
                _count--;
            }
            _bytes = 0;
            Monitor.PulseAll(_gate);
        }
    }
}
