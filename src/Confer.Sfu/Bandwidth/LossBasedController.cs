namespace Confer.Sfu.Bandwidth;

/// <summary>
/// The loss-based controller of draft-ietf-rmcat-gcc-02 §6. The loss fraction p is measured over windows of at
/// least <see cref="MinPackets"/> packets and <see cref="MinWindowMicros"/> (so one lost packet of two does not read
/// as 50%). When a window completes with p &gt; 10%: As = As·(1 − 0.5p), once per window. While the last window had
/// p &lt; 2%: As = 1.05·As on each feedback (at most every <see cref="MinIncreaseIntervalMicros"/>), as §6 applies the
/// rule "every time a feedback is received". Otherwise As holds. As never exceeds the delay-based estimate A
/// (§6: "As should not exceed A"), so without loss the target follows A.
/// </summary>
internal sealed class LossBasedController
{
    public const int MinPackets = 20;
    public const long MinWindowMicros = 100_000;
    public const long MinIncreaseIntervalMicros = 40_000;

    private readonly SendSideEstimatorOptions _options;
    private int _expected;
    private int _lost;
    private long _windowStartMicros = long.MinValue;
    private long _lastIncreaseMicros = long.MinValue;

    public LossBasedController(SendSideEstimatorOptions options)
    {
        _options = options;
        Bitrate = options.StartBitrate;
    }

    public long Bitrate { get; private set; }

    /// <summary>The loss fraction of the last completed window.</summary>
    public double LossFraction { get; private set; }

    /// <summary>Counts packets reported in one feedback and updates As. Returns As.</summary>
    public long Update(int expected, int lost, long delayBasedBitrate, long nowMicros)
    {
        if (_windowStartMicros == long.MinValue) _windowStartMicros = nowMicros;
        _expected += expected;
        _lost += lost;

        double bitrate = Bitrate;
        if (_expected >= MinPackets && nowMicros - _windowStartMicros >= MinWindowMicros)
        {
            LossFraction = (double)_lost / _expected;
            if (LossFraction > 0.10) bitrate *= 1 - 0.5 * LossFraction;
            _expected = 0;
            _lost = 0;
            _windowStartMicros = nowMicros;
        }

        if (LossFraction < 0.02 && (_lastIncreaseMicros == long.MinValue || nowMicros - _lastIncreaseMicros >= MinIncreaseIntervalMicros))
        {
            bitrate *= 1.05;
            _lastIncreaseMicros = nowMicros;
        }

        bitrate = Math.Min(bitrate, delayBasedBitrate);
        Bitrate = (long)Math.Clamp(bitrate, _options.MinBitrate, _options.MaxBitrate);
        return Bitrate;
    }

    /// <summary>Lowers the estimate to at most <paramref name="bitrate"/> (the estimator's feedback timeout).</summary>
    public void Cap(long bitrate) => Bitrate = Math.Clamp(Math.Min(Bitrate, bitrate), _options.MinBitrate, _options.MaxBitrate);

    /// <summary>Raises the estimate to <paramref name="bitrate"/> for a probe; never lowers it.</summary>
    public void Raise(long bitrate) => Bitrate = Math.Clamp(Math.Max(Bitrate, bitrate), _options.MinBitrate, _options.MaxBitrate);
}
