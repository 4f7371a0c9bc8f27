namespace Confer.Sfu.Forwarding;

/// <summary>
/// Watches a publisher's incoming sequence numbers and lists the missing ones to NACK (RFC 4585 §6.2.1;
/// the role of LiveKit's NACK queue). A gap adds its sequence numbers; a late arrival removes its own. Each
/// missing number is asked for at most <c>maxRetries</c> times, no more often than once a round trip, and
/// given up after <c>maxAge</c> (by then the subscribers' jitter buffers have moved on). At most
/// <c>capacity</c> numbers are tracked: a larger gap keeps only the newest, and the oldest make room.
/// </summary>
internal sealed class LossDetector
{
    private readonly TimeProvider _time;
    private readonly int _maxRetries;
    private readonly long _maxAgeTicks;
    private readonly long _firstDelayTicks;
    private readonly long[] _sequences;   // extended; -1 = removed
    private readonly long[] _firstSeenAt;
    private readonly long[] _lastNackAt;
    private readonly byte[] _retries;
    private int _head;
    private int _count;
    private long _retryTicks;
    private SequenceUnwrapper _unwrapper;

    /// <param name="capacity">Missing sequence numbers tracked at most.</param>
    /// <param name="maxRetries">NACKs per missing packet before giving up (1 to 255).</param>
    /// <param name="maxAge">Give up on a packet missing this long.</param>
    /// <param name="firstNackDelay">Wait this long before the first NACK, for packets merely reordered.</param>
    public LossDetector(TimeProvider time, int capacity = 256, int maxRetries = 10, TimeSpan? maxAge = null, TimeSpan? firstNackDelay = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 4096);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRetries, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxRetries, 255);
        _time = time;
        _maxRetries = maxRetries;
        _maxAgeTicks = ToTicks(maxAge ?? TimeSpan.FromSeconds(1));
        _firstDelayTicks = ToTicks(firstNackDelay ?? TimeSpan.Zero);
        _sequences = new long[capacity];
        _firstSeenAt = new long[capacity];
        _lastNackAt = new long[capacity];
        _retries = new byte[capacity];
        RoundTripTime = TimeSpan.FromMilliseconds(100);
    }

    /// <summary>The publisher's round trip time: the gap between two NACKs of one packet.</summary>
    public TimeSpan RoundTripTime
    {
        get => TimeSpan.FromSeconds((double)_retryTicks / _time.TimestampFrequency);
        set => _retryTicks = ToTicks(TimeSpan.FromSeconds(Math.Clamp(value.TotalSeconds, 0.005, 2.0)));
    }

    public int Capacity => _sequences.Length;
    /// <summary>Missing sequence numbers still tracked (removed entries not yet compacted included).</summary>
    public int Tracked => _count;
    public long Missed { get; private set; }
    public long Recovered { get; private set; }
    public long GaveUp { get; private set; }

    /// <summary>A packet arrived with <paramref name="sequence"/>.</summary>
    public void OnPacket(ushort sequence)
    {
        bool first = !_unwrapper.Started;
        long highest = _unwrapper.Highest;
        long extended = _unwrapper.Unwrap(sequence);
        if (first)
            return;
        if (extended > highest)
        {
            long from = Math.Max(highest + 1, extended - Capacity);
            GaveUp += from - (highest + 1);
            long now = _time.GetTimestamp();
            for (long s = from; s < extended; s++)
                Add(s, now);
            return;
        }
        for (int n = 0; n < _count; n++)
        {
            int i = (_head + n) % Capacity;
            if (_sequences[i] == extended)
            {
                _sequences[i] = -1;
                Recovered++;
                return;
            }
        }
    }

    /// <summary>Writes the sequence numbers due for a NACK now into <paramref name="destination"/>; returns how many.</summary>
    public int CollectNacks(Span<ushort> destination)
    {
        long now = _time.GetTimestamp();
        int written = 0, kept = 0;
        for (int n = 0; n < _count; n++)
        {
            int i = (_head + n) % Capacity;
            long sequence = _sequences[i];
            if (sequence < 0)
                continue;
            if (now - _firstSeenAt[i] > _maxAgeTicks || _retries[i] >= _maxRetries)
            {
                GaveUp++;
                continue;
            }
            bool due = _retries[i] == 0 ? now - _firstSeenAt[i] >= _firstDelayTicks : now - _lastNackAt[i] >= _retryTicks;
            if (due && written < destination.Length)
            {
                destination[written++] = (ushort)sequence;
                _retries[i]++;
                _lastNackAt[i] = now;
            }
            // compact in place: entry n moves to position kept (kept <= n)
            int to = (_head + kept) % Capacity;
            _sequences[to] = _sequences[i];
            _firstSeenAt[to] = _firstSeenAt[i];
            _lastNackAt[to] = _lastNackAt[i];
            _retries[to] = _retries[i];
            kept++;
        }
        _count = kept;
        return written;
    }

    private void Add(long sequence, long now)
    {
        if (_count == Capacity)
        {
            if (_sequences[_head] >= 0)
                GaveUp++;
            _head = (_head + 1) % Capacity;
            _count--;
        }
        int i = (_head + _count) % Capacity;
        _sequences[i] = sequence;
        _firstSeenAt[i] = now;
        _lastNackAt[i] = 0;
        _retries[i] = 0;
        _count++;
        Missed++;
    }

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);
}
