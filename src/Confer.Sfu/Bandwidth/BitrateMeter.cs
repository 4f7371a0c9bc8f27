namespace Confer.Sfu.Bandwidth;

/// <summary>
/// Bitrate over a sliding window of time: bytes are added into fixed time buckets of a ring, and the rate is the
/// sum of the buckets still inside the window. Allocation-free after construction; not thread-safe.
/// </summary>
internal sealed class BitrateMeter
{
    private readonly long _bucketMicros;
    private readonly long[] _bytes;
    private readonly long[] _stamps;
    private long _firstMicros = long.MinValue;
    private long _lastBucket = long.MinValue;

    /// <param name="window">The averaging window (default 1 s).</param>
    /// <param name="buckets">Resolution of the window; more buckets slide more smoothly.</param>
    public BitrateMeter(TimeSpan? window = null, int buckets = 20)
    {
        long windowMicros = (long)(window ?? TimeSpan.FromSeconds(1)).TotalMicroseconds;
        if (buckets < 2 || buckets > 1000) throw new ArgumentOutOfRangeException(nameof(buckets), "A bitrate meter needs 2 to 1000 buckets.");
        if (windowMicros < buckets) throw new ArgumentOutOfRangeException(nameof(window), "The bitrate window is too short.");
        _bucketMicros = windowMicros / buckets;
        _bytes = new long[buckets];
        _stamps = new long[buckets];
        Array.Fill(_stamps, long.MinValue);
    }

    public TimeSpan Window => TimeSpan.FromMicroseconds(_bucketMicros * _bytes.Length);

    /// <summary>Adds <paramref name="bytes"/> seen at <paramref name="nowMicros"/>. Samples older than the newest bucket's window are ignored.</summary>
    public void Add(int bytes, long nowMicros)
    {
        long bucket = FloorDiv(nowMicros, _bucketMicros);
        if (_lastBucket != long.MinValue && bucket <= _lastBucket - _bytes.Length) return;
        if (_firstMicros == long.MinValue) _firstMicros = nowMicros;
        if (bucket > _lastBucket) _lastBucket = bucket;
        int slot = (int)(((bucket % _bytes.Length) + _bytes.Length) % _bytes.Length);
        if (_stamps[slot] != bucket)
        {
            _stamps[slot] = bucket;
            _bytes[slot] = 0;
        }
        _bytes[slot] += bytes;
    }

    /// <summary>Bytes inside the window ending at <paramref name="nowMicros"/>.</summary>
    public long BytesInWindow(long nowMicros)
    {
        long bucket = FloorDiv(nowMicros, _bucketMicros);
        long total = 0;
        for (int i = 0; i < _stamps.Length; i++)
        {
            long stamp = _stamps[i];
            if (stamp <= bucket && stamp > bucket - _stamps.Length) total += _bytes[i];
        }
        return total;
    }

    /// <summary>
    /// Bits per second over the window ending at <paramref name="nowMicros"/>: the bytes of the buckets in the window
    /// over the time from the window's first bucket (or the meter's first sample, if later) to now, at least one bucket,
    /// so neither a new stream nor a half-filled current bucket is underrated.
    /// </summary>
    public long BitsPerSecond(long nowMicros)
    {
        if (_firstMicros == long.MinValue) return 0;
        long windowStart = (FloorDiv(nowMicros, _bucketMicros) - _bytes.Length + 1) * _bucketMicros;
        long span = Math.Max(nowMicros - Math.Max(windowStart, _firstMicros), _bucketMicros);
        return BytesInWindow(nowMicros) * 8 * 1_000_000 / span;
    }

    public void Reset()
    {
        Array.Fill(_stamps, long.MinValue);
        _firstMicros = long.MinValue;
        _lastBucket = long.MinValue;
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}

/// <summary>
/// Bitrates of a simulcast/SVC track per spatial and temporal layer. A temporal layer depends on the ones below
/// it, so <see cref="BitsPerSecond"/> of (s, t) is the sum over temporal layers 0..t of spatial layer s.
/// </summary>
internal sealed class LayerBitrateMeter
{
    public const int MaxSpatial = 3;
    public const int MaxTemporal = 4;
    private readonly BitrateMeter[] _meters = new BitrateMeter[MaxSpatial * MaxTemporal];
    private readonly TimeProvider _time;

    public LayerBitrateMeter(TimeProvider time, TimeSpan? window = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        for (int i = 0; i < _meters.Length; i++) _meters[i] = new BitrateMeter(window);
    }

    /// <summary>Counts a packet of layer (<paramref name="spatial"/>, <paramref name="temporal"/>) now; out-of-range layers are ignored.</summary>
    public void Record(int spatial, int temporal, int bytes) => Record(spatial, temporal, bytes, MediaClock.NowMicros(_time));

    public void Record(int spatial, int temporal, int bytes, long nowMicros)
    {
        if ((uint)spatial >= MaxSpatial || (uint)temporal >= MaxTemporal) return;
        _meters[spatial * MaxTemporal + temporal].Add(bytes, nowMicros);
    }

    /// <summary>Bitrate needed to forward spatial layer <paramref name="spatial"/> up to temporal layer <paramref name="temporal"/>.</summary>
    public long BitsPerSecond(int spatial, int temporal) => BitsPerSecond(spatial, temporal, MediaClock.NowMicros(_time));

    public long BitsPerSecond(int spatial, int temporal, long nowMicros)
    {
        if ((uint)spatial >= MaxSpatial || temporal < 0) return 0;
        long total = 0;
        for (int t = 0; t <= Math.Min(temporal, MaxTemporal - 1); t++) total += _meters[spatial * MaxTemporal + t].BitsPerSecond(nowMicros);
        return total;
    }
}
