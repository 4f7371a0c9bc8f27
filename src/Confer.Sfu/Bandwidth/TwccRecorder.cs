namespace Confer.Sfu.Bandwidth;

/// <summary>Settings of a <see cref="TwccRecorder"/>.</summary>
internal sealed class TwccRecorderOptions
{
    /// <summary>How often a feedback batch is due; libwebrtc sends every 50–250 ms, 100 ms by default.</summary>
    public TimeSpan FeedbackInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Sequence numbers remembered between two feedbacks; a power of two. 4096 covers 80 ms at 50,000 packets/s.</summary>
    public int WindowSize { get; set; } = 4096;
}

/// <summary>
/// Receive side of transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3):
/// remembers when each transport-wide sequence number from a publisher arrived and, every feedback interval,
/// hands out the run of sequence numbers since the previous feedback, received or not, for the next
/// transport-cc feedback packet.
/// </summary>
/// <remarks>
/// Sequence numbers are unwrapped to 64 bits against the highest one seen, so wrap-around and reordering
/// within ±32767 are handled. A duplicate keeps its first arrival time. A packet for a sequence number that
/// was already reported is counted as late and dropped (its slot has left the window). When more than
/// <see cref="TwccRecorderOptions.WindowSize"/> sequence numbers are outstanding, the oldest are given up.
/// Memory is fixed at construction; recording allocates nothing. Not thread-safe: one receive loop owns it.
/// </remarks>
internal sealed class TwccRecorder
{
    private const long NotReceived = long.MinValue;

    private readonly TimeProvider _time;
    private readonly long _intervalMicros;
    private readonly long[] _arrivals;
    private readonly int _mask;
    private bool _started;
    private long _highest;       // highest unwrapped sequence recorded
    private long _nextToReport;  // first unwrapped sequence the next batch starts at
    private long _lastFeedbackMicros;
    private byte _feedbackCount;

    public TwccRecorder(TimeProvider time, TwccRecorderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        options ??= new TwccRecorderOptions();
        if (options.WindowSize < 16 || options.WindowSize > 1 << 16 || (options.WindowSize & (options.WindowSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(options), "TwccRecorderOptions.WindowSize must be a power of two between 16 and 65536.");
        if (options.FeedbackInterval <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), "TwccRecorderOptions.FeedbackInterval must be positive.");
        _time = time;
        _intervalMicros = (long)options.FeedbackInterval.TotalMicroseconds;
        _arrivals = new long[options.WindowSize];
        Array.Fill(_arrivals, NotReceived);
        _mask = options.WindowSize - 1;
        _lastFeedbackMicros = MediaClock.NowMicros(time);
    }

    /// <summary>Packets whose sequence number had already been recorded.</summary>
    public long Duplicates { get; private set; }

    /// <summary>Packets that arrived after their sequence number was reported (or fell out of the window).</summary>
    public long Late { get; private set; }

    /// <summary>Sequence numbers given up unreported because the window overflowed.</summary>
    public long Dropped { get; private set; }

    /// <summary>Whether anything is waiting to be reported.</summary>
    public bool HasPending => _started && _nextToReport <= _highest;

    /// <summary>Records an arrival now, by the recorder's clock.</summary>
    public void Record(ushort sequence) => Record(sequence, MediaClock.NowMicros(_time));

    /// <summary>Records the arrival of <paramref name="sequence"/> at <paramref name="arrivalMicros"/>.</summary>
    public void Record(ushort sequence, long arrivalMicros)
    {
        if (!_started)
        {
            _started = true;
            _highest = sequence;
            _nextToReport = sequence;
            _arrivals[sequence & _mask] = arrivalMicros;
            return;
        }

        long unwrapped = _highest + (short)(ushort)(sequence - (ushort)_highest);
        if (unwrapped < _nextToReport)
        {
            Late++;
            return;
        }

        if (unwrapped > _highest)
        {
            // Clear the slots between the old highest and the new one: they are now "not yet received".
            long clearFrom = Math.Max(_highest + 1, unwrapped - _arrivals.Length + 1);
            for (long s = clearFrom; s < unwrapped; s++) _arrivals[s & _mask] = NotReceived;
            _highest = unwrapped;
            long oldestKept = unwrapped - _arrivals.Length + 1;
            if (_nextToReport < oldestKept)
            {
                Dropped += oldestKept - _nextToReport;
                _nextToReport = oldestKept;
            }
            _arrivals[unwrapped & _mask] = arrivalMicros;
            return;
        }

        ref long slot = ref _arrivals[unwrapped & _mask];
        if (slot != NotReceived)
        {
            Duplicates++;
            return;
        }
        slot = arrivalMicros;
    }

    /// <summary>When the next feedback is due, microseconds on the recorder's clock.</summary>
    public long NextFeedbackMicros => _lastFeedbackMicros + _intervalMicros;

    /// <summary>
    /// When a feedback interval has passed and something is pending, writes the next run of arrivals
    /// (at most <paramref name="destination"/>.Length) and returns true. What does not fit stays pending and
    /// is due at once. Never allocates.
    /// </summary>
    public bool TryTakeFeedback(Span<TwccArrival> destination, out TwccFeedbackBatch batch)
    {
        long now = MediaClock.NowMicros(_time);
        if (now < _lastFeedbackMicros + _intervalMicros || destination.IsEmpty || !HasPending)
        {
            batch = default;
            return false;
        }

        long first = _nextToReport;
        int count = (int)Math.Min(destination.Length, _highest - first + 1);
        for (int i = 0; i < count; i++)
        {
            long sequence = first + i;
            ref long slot = ref _arrivals[sequence & _mask];
            destination[i] = slot == NotReceived
                ? new TwccArrival((ushort)sequence, false, 0)
                : new TwccArrival((ushort)sequence, true, slot);
            slot = NotReceived;
        }

        _nextToReport = first + count;
        // A batch cut short leaves the timer where it was, so the rest goes out on the next call.
        if (!HasPending) _lastFeedbackMicros = now;
        batch = new TwccFeedbackBatch((ushort)first, count, _feedbackCount++);
        return true;
    }
}
