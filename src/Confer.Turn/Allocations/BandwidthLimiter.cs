namespace Confer.Turn.Allocations;

/// <summary>
/// A token bucket for relayed bytes, kept as one number so that it is lock-free: the "theoretical arrival
/// time" of the generic cell rate algorithm (GCRA). Every byte costs 1/rate seconds of bucket time; a
/// packet passes when the bucket, after paying for it, is at most <c>burst</c> bytes' worth of time ahead
/// of now. An empty bucket (idle allocation) lets <c>burst</c> bytes through at once, then the rate holds.
/// One compare-and-swap per packet, no allocation; time is the injected <see cref="TimeProvider"/>'s
/// timestamp, so tests drive it with FakeTimeProvider.
/// </summary>
public sealed class BandwidthLimiter
{
    private readonly TimeProvider _time;
    private readonly long _bytesPerSecond;
    private readonly long _frequency;
    private readonly long _tolerance;
    private long _arrival;

    /// <param name="bytesPerSecond">The sustained rate, application bytes per second (more than 0).</param>
    /// <param name="burstBytes">How many bytes may pass at once after a quiet period (at least one datagram's worth).</param>
    public BandwidthLimiter(long bytesPerSecond, long burstBytes, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burstBytes);
        _time = time;
        _bytesPerSecond = bytesPerSecond;
        _frequency = time.TimestampFrequency;
        _tolerance = (long)Int128.Min(long.MaxValue / 4, ((Int128)burstBytes * _frequency + bytesPerSecond - 1) / bytesPerSecond);
        _arrival = long.MinValue / 2;
    }

    public long BytesPerSecond => _bytesPerSecond;

    /// <summary>Takes <paramref name="bytes"/> from the bucket; false (and nothing taken) when they do not fit.</summary>
    public bool TryConsume(int bytes)
    {
        long now = _time.GetTimestamp();
        long cost = Cost(bytes);
        while (true)
        {
            long arrival = Volatile.Read(ref _arrival);
            long next = (arrival > now ? arrival : now) + cost;
            if (next - now > _tolerance) return false;
            if (Interlocked.CompareExchange(ref _arrival, next, arrival) == arrival) return true;
        }
    }

    /// <summary>
    /// For a stream (an RFC 6062 data connection), where bytes wait instead of being dropped: takes
    /// <paramref name="bytes"/> from the bucket whether they fit or not, and returns how long to wait before sending
    /// them so that the rate holds (zero while the burst lasts).
    /// </summary>
    public TimeSpan Reserve(int bytes)
    {
        long now = _time.GetTimestamp();
        long cost = Cost(bytes);
        while (true)
        {
            long arrival = Volatile.Read(ref _arrival);
            long next = (arrival > now ? arrival : now) + cost;
            if (Interlocked.CompareExchange(ref _arrival, next, arrival) != arrival) continue;
            long wait = next - now - _tolerance;
            return wait <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)wait / _frequency);
        }
    }

    /// <summary>The most a stream should read at once, so that one read never has to wait longer than the rate implies.</summary>
    public int ChunkBytes => (int)Math.Clamp(_bytesPerSecond / 10, 512, 16384);

    // bytes / rate seconds in timestamp ticks, rounded up. An int of bytes times a timestamp frequency (1e9 on Linux)
    // stays below 2^62, so long arithmetic cannot overflow here.
    private long Cost(int bytes) => ((long)bytes * _frequency + _bytesPerSecond - 1) / _bytesPerSecond;
}
