namespace Confer.Turn.Auth;

/// <summary>
/// How many answers to unauthenticated requests (401, 400, 438) each source IP address gets: a token bucket per address
/// (<see cref="TurnOptions.UnauthenticatedBurst"/> answers at once, <see cref="TurnOptions.UnauthenticatedPerSecond"/>
/// after), on the injected <see cref="TimeProvider"/>. A spoofed source cannot make the server reflect more than that
/// at its victim. The table holds at most <see cref="TurnOptions.UnauthenticatedSources"/> addresses: when it is full,
/// buckets that have refilled are dropped (looked for at most once a second) (they hold nothing a new one would not), and if none has, a newcomer shares
/// one overflow bucket with every other newcomer until room is made.
/// </summary>
public sealed class UnauthenticatedLimiter(TurnOptions options, TimeProvider time)
{
    private sealed class Bucket
    {
        public double Tokens;
        public long Ticks;
    }

    private readonly Dictionary<TransportAddress, Bucket> _buckets = [];
    private readonly Bucket _overflow = new();
    private bool _overflowStarted;
    private long _lastPrune = long.MinValue;

    /// <summary>Number of source addresses with a bucket.</summary>
    public int Count
    {
        get { lock (_buckets) return _buckets.Count; }
    }

    /// <summary>Takes one answer from the source address's bucket; false when it is empty (send nothing).</summary>
    public bool TryTake(in TransportAddress source)
    {
        long now = time.GetUtcNow().UtcTicks;
        var key = source.IPOnly;
        lock (_buckets)
        {
            if (!_buckets.TryGetValue(key, out var bucket))
            {
                if (_buckets.Count >= options.UnauthenticatedSources) Prune(now);
                if (_buckets.Count < options.UnauthenticatedSources)
                    _buckets[key] = bucket = new Bucket { Tokens = options.UnauthenticatedBurst, Ticks = now };
                else
                {
                    bucket = _overflow;
                    if (!_overflowStarted) (_overflowStarted, bucket.Tokens, bucket.Ticks) = (true, options.UnauthenticatedBurst, now);
                }
            }
            Refill(bucket, now);
            if (bucket.Tokens < 1) return false;
            bucket.Tokens -= 1;
            return true;
        }
    }

    private void Refill(Bucket bucket, long now)
    {
        double elapsed = Math.Max(0, now - bucket.Ticks) / (double)TimeSpan.TicksPerSecond;
        bucket.Tokens = Math.Min(options.UnauthenticatedBurst, bucket.Tokens + elapsed * options.UnauthenticatedPerSecond);
        bucket.Ticks = now;
    }

    // At most once a second: a spray of new source addresses must not make every packet walk the table.
    private void Prune(long now)
    {
        if (now - _lastPrune < TimeSpan.TicksPerSecond) return;
        _lastPrune = now;
        List<TransportAddress>? full = null;
        foreach (var (address, bucket) in _buckets)
        {
            Refill(bucket, now);
            if (bucket.Tokens >= options.UnauthenticatedBurst) (full ??= []).Add(address);
        }
        if (full is null) return;
        foreach (var address in full) _buckets.Remove(address);
    }
}
