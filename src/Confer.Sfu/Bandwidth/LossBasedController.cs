namespace Confer.Sfu.Bandwidth;

/// <summary>
/// The loss-based controller of draft-ietf-rmcat-gcc-02 §6. Losses are counted over windows of at least
/// <see cref="MinPackets"/> packets and <see cref="MinWindowMicros"/>; at the end of each window with loss
/// fraction p: p &gt; 10% → As = As·(1 − 0.5p); p &lt; 2% → As = 1.05·As; otherwise As holds. As never exceeds
/// the delay-based estimate (§6: "As should not exceed A").
/// </summary>
internal sealed class LossBasedController
{
    public const int MinPackets = 20;
    public const long MinWindowMicros = 100_000;

    private readonly SendSideEstimatorOptions _options;
    private int _expected;
    private int _lost;
    private long _windowStartMicros = long.MinValue;

    public LossBasedController(SendSideEstimatorOptions options)
    {
        _options = options;
        Bitrate = options.StartBitrate;
    }

    public long Bitrate { get; private set; }

    /// <summary>The loss fraction of the last completed window.</summary>
    public double LossFraction { get; private set; }

    /// <summary>Counts packets reported in one feedback and, when a window completes, updates As. Returns As.</summary>
    public long Update(int expected, int lost, long delayBasedBitrate, long nowMicros)
    {
        if (_windowStartMicros == long.MinValue) _windowStartMicros = nowMicros;
        _expected += expected;
        _lost += lost;

        double bitrate = Bitrate;
        if (_expected >= MinPackets && nowMicros - _windowStartMicros >= MinWindowMicros)
        {
            double p = (double)_lost / _expected;
            LossFraction = p;
            if (p > 0.10) bitrate *= 1 - 0.5 * p;
            else if (p < 0.02) bitrate *= 1.05;
            _expected = 0;
            _lost = 0;
            _windowStartMicros = nowMicros;
        }

        bitrate = Math.Min(bitrate, delayBasedBitrate);
        Bitrate = (long)Math.Clamp(bitrate, _options.MinBitrate, _options.MaxBitrate);
        return Bitrate;
    }
}
