namespace Confer.Turn.Allocations;

/// <summary>
/// The per-allocation bandwidth cap (<c>--max-bps</c>): one token bucket per direction, like coturn's
/// max-bps, counting application bytes. What does not fit is dropped and counted as
/// <c>dropped_packets{reason="bandwidth"}</c>, never queued.
/// </summary>
public sealed partial class Allocation
{
    private BandwidthLimiter? _toPeerLimit;
    private BandwidthLimiter? _toClientLimit;

    /// <summary>Caps both directions at <paramref name="bytesPerSecond"/> with a burst of <paramref name="burstBytes"/>; call before <see cref="Start"/>.</summary>
    public void LimitBandwidth(long bytesPerSecond, long burstBytes)
    {
        _toPeerLimit = new BandwidthLimiter(bytesPerSecond, burstBytes, _time);
        _toClientLimit = new BandwidthLimiter(bytesPerSecond, burstBytes, _time);
    }

    /// <summary>The cap on bytes to peers (null: none); RFC 6062 data connections pace by it instead of dropping.</summary>
    internal BandwidthLimiter? ToPeerLimit => _toPeerLimit;

    /// <summary>The cap on bytes to the client (null: none).</summary>
    internal BandwidthLimiter? ToClientLimit => _toClientLimit;

    /// <summary>The clock the caps run on (a fake one in tests).</summary>
    internal TimeProvider Time => _time;

    private bool AllowToPeer(int bytes) => Allow(_toPeerLimit, bytes);

    private bool AllowToClient(int bytes) => Allow(_toClientLimit, bytes);

    private bool Allow(BandwidthLimiter? limiter, int bytes)
    {
        if (limiter is null || limiter.TryConsume(bytes)) return true;
        _metrics.Dropped("bandwidth");
        return false;
    }
}
