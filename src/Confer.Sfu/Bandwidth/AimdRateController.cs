namespace Confer.Sfu.Bandwidth;

/// <summary>
/// The delay-based rate controller of draft-ietf-rmcat-gcc-02 §5.5: a state machine (Increase, Decrease, Hold)
/// driven by the overuse signal. In Increase the estimate grows multiplicatively (by
/// <see cref="SendSideEstimatorOptions.MultiplicativeIncreasePerSecond"/>) far from the last known link capacity
/// and additively (about one packet per response time) near it; on overuse it drops to beta (0.85) times the
/// acknowledged bitrate and holds. It never rises above 1.5 × the acknowledged bitrate (§5.5), so an idle
/// sender does not inflate it.
/// </summary>
internal sealed class AimdRateController
{
    private enum RateState { Hold, Increase, Decrease }

    private const double Beta = 0.85;
    private readonly SendSideEstimatorOptions _options;
    private RateState _state = RateState.Increase;
    private long _lastUpdateMicros = long.MinValue;
    private long _lastDecreaseMicros = long.MinValue;

    // Link capacity estimate: an exponential average of the acknowledged bitrate at overuse, with a normalized variance.
    private double _capacityKbps = -1;
    private double _capacityVariance = 0.4;

    public AimdRateController(SendSideEstimatorOptions options)
    {
        _options = options;
        Bitrate = options.StartBitrate;
    }

    public long Bitrate { get; private set; }

    /// <summary>Whether a link capacity estimate is held (the controller then increases additively).</summary>
    public bool NearCapacity => _capacityKbps > 0;

    /// <summary>Applies the detector's <paramref name="usage"/> at <paramref name="nowMicros"/>.</summary>
    /// <param name="ackedBitrate">Acknowledged bitrate, 0 when not yet known.</param>
    /// <param name="rttMicros">Round-trip time, for the additive step and how often to decrease.</param>
    public long Update(BandwidthUsage usage, long ackedBitrate, long rttMicros, long nowMicros)
    {
        if (_lastUpdateMicros == long.MinValue) _lastUpdateMicros = nowMicros;
        double dtSeconds = Math.Clamp((nowMicros - _lastUpdateMicros) / 1e6, 0, 1);

        switch (usage)
        {
            case BandwidthUsage.Overusing:
                if (_state != RateState.Decrease) _state = RateState.Decrease;
                break;
            case BandwidthUsage.Underusing:
                _state = RateState.Hold; // §5.5: let the queues drain
                break;
            default:
                if (_state == RateState.Hold) _state = RateState.Increase;
                break;
        }

        double bitrate = Bitrate;
        if (ackedBitrate > 0 && NearCapacity && ackedBitrate / 1000.0 > CapacityUpperKbps())
        {
            _capacityKbps = -1; // the path got faster: forget the old capacity and grow multiplicatively again
        }

        switch (_state)
        {
            case RateState.Increase:
                {
                    double increased;
                    if (NearCapacity)
                    {
                        increased = bitrate + AdditiveRatePerSecond(bitrate, rttMicros) * dtSeconds;
                    }
                    else
                    {
                        double factor = Math.Pow(1 + _options.MultiplicativeIncreasePerSecond, dtSeconds);
                        increased = bitrate + Math.Max(bitrate * (factor - 1), 1000 * dtSeconds);
                    }
                    if (ackedBitrate > 0)
                    {
                        double cap = 1.5 * ackedBitrate + 10_000;
                        if (increased > cap) increased = Math.Max(cap, bitrate);
                    }
                    bitrate = Math.Max(bitrate, increased);
                    break;
                }
            case RateState.Decrease:
                {
                    long rtt = Math.Clamp(rttMicros, 10_000, 200_000);
                    bool mayDecrease = _lastDecreaseMicros == long.MinValue || nowMicros - _lastDecreaseMicros >= rtt
                        || (ackedBitrate > 0 && ackedBitrate < bitrate / 2);
                    if (mayDecrease)
                    {
                        double basis = ackedBitrate > 0 ? ackedBitrate : bitrate;
                        double decreased = Beta * basis;
                        if (decreased > bitrate && NearCapacity) decreased = Beta * _capacityKbps * 1000;
                        if (decreased < bitrate) bitrate = decreased;
                        if (ackedBitrate > 0) UpdateCapacity(ackedBitrate / 1000.0);
                        _lastDecreaseMicros = nowMicros;
                    }
                    _state = RateState.Hold;
                    break;
                }
        }

        _lastUpdateMicros = nowMicros;
        Bitrate = (long)Math.Clamp(bitrate, _options.MinBitrate, _options.MaxBitrate);
        return Bitrate;
    }

    private double CapacityUpperKbps() => _capacityKbps + 3 * Math.Sqrt(_capacityVariance * _capacityKbps);

    private void UpdateCapacity(double sampleKbps)
    {
        const double alpha = 0.05;
        if (_capacityKbps < 0)
        {
            _capacityKbps = sampleKbps;
            return;
        }
        _capacityKbps = (1 - alpha) * _capacityKbps + alpha * sampleKbps;
        double normalization = Math.Max(_capacityKbps, 1);
        double error = _capacityKbps - sampleKbps;
        _capacityVariance = Math.Clamp((1 - alpha) * _capacityVariance + alpha * error * error / normalization, 0.4, 2.5);
    }

    /// <summary>Roughly one packet per response time (rtt + 100 ms), at least 4 kb/s per second (libwebrtc's near-capacity rule).</summary>
    private static double AdditiveRatePerSecond(double bitrate, long rttMicros)
    {
        double bitsPerFrame = bitrate / 30.0;
        double packetsPerFrame = Math.Ceiling(bitsPerFrame / (1200 * 8));
        double packetBits = bitsPerFrame / packetsPerFrame;
        double responseSeconds = (Math.Max(rttMicros, 0) + 100_000) / 1e6;
        return Math.Max(4000, packetBits / responseSeconds);
    }

    /// <summary>Lowers the estimate to at most <paramref name="bitrate"/> (the estimator's feedback timeout).</summary>
    public void Cap(long bitrate) => Bitrate = Math.Clamp(Math.Min(Bitrate, bitrate), _options.MinBitrate, _options.MaxBitrate);

    /// <summary>Raises the estimate to <paramref name="bitrate"/> for a probe (the sender will try that much); never lowers it.</summary>
    public void Raise(long bitrate) => Bitrate = Math.Clamp(Math.Max(Bitrate, bitrate), _options.MinBitrate, _options.MaxBitrate);
}
