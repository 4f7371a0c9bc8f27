namespace Confer.Sfu.Bandwidth;

/// <summary>
/// The arrival-time filter and overuse detector of draft-ietf-rmcat-gcc-02 §5.3–5.4, with the trendline form
/// libwebrtc uses in place of the Kalman filter: the accumulated delay variation is smoothed, the slope of the
/// last <see cref="WindowSize"/> (arrival time, smoothed delay) points is fitted by least squares, and the
/// scaled slope m(i) is compared against an adaptive threshold gamma(i) (§5.4):
/// gamma(i) = gamma(i-1) + dt * K(i) * (|m(i)| - gamma(i-1)), K = k_u when |m| ≥ gamma, k_d otherwise.
/// Overuse is signalled only when m stays above gamma for more than 10 ms and more than one group, and is not falling.
/// </summary>
internal sealed class TrendlineDetector
{
    public const int WindowSize = 20;
    private const double SmoothingCoefficient = 0.9;
    private const double ThresholdGain = 4.0;
    private const double KUp = 0.0087;    // §5.4 k_u
    private const double KDown = 0.039;   // §5.4 k_d
    private const double OverusingTimeThresholdMs = 10;
    private const double MaxAdaptOffsetMs = 15;

    private readonly double[] _x = new double[WindowSize];
    private readonly double[] _y = new double[WindowSize];
    private int _count;
    private int _head;
    private long _firstArrivalMicros = long.MinValue;
    private double _accumulatedDelayMs;
    private double _smoothedDelayMs;
    private int _deltas;
    private double _previousTrend;
    private double _timeOverUsingMs = -1;
    private int _overuseCounter;
    private long _lastThresholdUpdateMicros = long.MinValue;

    /// <summary>The adaptive threshold gamma, ms (initially 12.5, clamped to 6–600 as in libwebrtc).</summary>
    public double Threshold { get; private set; } = 12.5;

    /// <summary>The last scaled trend m(i).</summary>
    public double ModifiedTrend { get; private set; }

    public BandwidthUsage State { get; private set; } = BandwidthUsage.Normal;

    /// <summary>Adds one inter-group delta (microseconds) observed at <paramref name="arrivalMicros"/> and returns the detector's state.</summary>
    public BandwidthUsage Update(long sendDeltaMicros, long arrivalDeltaMicros, long arrivalMicros)
    {
        double sendDeltaMs = sendDeltaMicros / 1000.0;
        double deltaMs = (arrivalDeltaMicros - sendDeltaMicros) / 1000.0;
        _deltas = Math.Min(_deltas + 1, 1000);
        if (_firstArrivalMicros == long.MinValue) _firstArrivalMicros = arrivalMicros;

        _accumulatedDelayMs += deltaMs;
        _smoothedDelayMs = SmoothingCoefficient * _smoothedDelayMs + (1 - SmoothingCoefficient) * _accumulatedDelayMs;

        _x[_head] = (arrivalMicros - _firstArrivalMicros) / 1000.0;
        _y[_head] = _smoothedDelayMs;
        _head = (_head + 1) % WindowSize;
        if (_count < WindowSize) _count++;

        double trend = _previousTrend;
        if (_count == WindowSize && TryFitSlope(out double slope)) trend = slope;
        Detect(trend, sendDeltaMs, arrivalMicros);
        return State;
    }

    private bool TryFitSlope(out double slope)
    {
        double sumX = 0, sumY = 0;
        for (int i = 0; i < _count; i++) { sumX += _x[i]; sumY += _y[i]; }
        double meanX = sumX / _count, meanY = sumY / _count;
        double numerator = 0, denominator = 0;
        for (int i = 0; i < _count; i++)
        {
            double dx = _x[i] - meanX;
            numerator += dx * (_y[i] - meanY);
            denominator += dx * dx;
        }
        slope = denominator == 0 ? 0 : numerator / denominator;
        return denominator != 0;
    }

    private void Detect(double trend, double sendDeltaMs, long nowMicros)
    {
        if (_deltas < 2)
        {
            State = BandwidthUsage.Normal;
            return;
        }

        double modified = Math.Min(_deltas, 60) * trend * ThresholdGain;
        ModifiedTrend = modified;
        if (modified > Threshold)
        {
            _timeOverUsingMs = _timeOverUsingMs < 0 ? sendDeltaMs / 2 : _timeOverUsingMs + sendDeltaMs;
            _overuseCounter++;
            if (_timeOverUsingMs > OverusingTimeThresholdMs && _overuseCounter > 1 && trend >= _previousTrend)
            {
                _timeOverUsingMs = 0;
                _overuseCounter = 0;
                State = BandwidthUsage.Overusing;
            }
        }
        else if (modified < -Threshold)
        {
            _timeOverUsingMs = -1;
            _overuseCounter = 0;
            State = BandwidthUsage.Underusing;
        }
        else
        {
            _timeOverUsingMs = -1;
            _overuseCounter = 0;
            State = BandwidthUsage.Normal;
        }
        _previousTrend = trend;
        UpdateThreshold(modified, nowMicros);
    }

    private void UpdateThreshold(double modified, long nowMicros)
    {
        if (_lastThresholdUpdateMicros == long.MinValue) _lastThresholdUpdateMicros = nowMicros;
        double magnitude = Math.Abs(modified);
        if (magnitude > Threshold + MaxAdaptOffsetMs)
        {
            // A spike (e.g. a route change) should not drag the threshold along (§5.4).
            _lastThresholdUpdateMicros = nowMicros;
            return;
        }
        double k = magnitude < Threshold ? KDown : KUp;
        double dtMs = Math.Clamp((nowMicros - _lastThresholdUpdateMicros) / 1000.0, 0, 100);
        Threshold = Math.Clamp(Threshold + k * (magnitude - Threshold) * dtMs, 6, 600);
        _lastThresholdUpdateMicros = nowMicros;
    }
}
