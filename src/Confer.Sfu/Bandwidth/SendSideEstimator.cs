namespace Confer.Sfu.Bandwidth;

/// <summary>Settings of a <see cref="SendSideEstimator"/>; defaults visible here, checked by <see cref="Validate"/>.</summary>
internal sealed class SendSideEstimatorOptions
{
    /// <summary>The estimate before any feedback, bits per second.</summary>
    public long StartBitrate { get; set; } = 1_000_000;

    public long MinBitrate { get; set; } = 30_000;

    public long MaxBitrate { get; set; } = 20_000_000;

    /// <summary>Growth per second of the delay-based estimate far from the known link capacity (GCC's eta − 1 is 0.08).</summary>
    public double MultiplicativeIncreasePerSecond { get; set; } = 0.25;

    /// <summary>Window of the acknowledged-bitrate meter.</summary>
    public TimeSpan AcknowledgedWindow { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>With packets sent but no feedback for this long, <see cref="SendSideEstimator.OnTick"/> lowers the target by 20% per period.</summary>
    public TimeSpan FeedbackTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Throws with a sentence naming the setting to change when the settings cannot work.</summary>
    public void Validate()
    {
        if (MinBitrate <= 0) throw new ArgumentOutOfRangeException(nameof(MinBitrate), "MinBitrate must be positive.");
        if (MaxBitrate < MinBitrate) throw new ArgumentOutOfRangeException(nameof(MaxBitrate), "MaxBitrate must be at least MinBitrate.");
        if (StartBitrate < MinBitrate || StartBitrate > MaxBitrate)
            throw new ArgumentOutOfRangeException(nameof(StartBitrate), "StartBitrate must lie between MinBitrate and MaxBitrate.");
        if (MultiplicativeIncreasePerSecond <= 0 || MultiplicativeIncreasePerSecond > 1)
            throw new ArgumentOutOfRangeException(nameof(MultiplicativeIncreasePerSecond), "MultiplicativeIncreasePerSecond must be in (0, 1].");
        if (AcknowledgedWindow < TimeSpan.FromMilliseconds(50))
            throw new ArgumentOutOfRangeException(nameof(AcknowledgedWindow), "AcknowledgedWindow must be at least 50 ms.");
        if (FeedbackTimeout < TimeSpan.FromMilliseconds(100))
            throw new ArgumentOutOfRangeException(nameof(FeedbackTimeout), "FeedbackTimeout must be at least 100 ms.");
    }
}

/// <summary>
/// Send-side bandwidth estimation toward one subscriber, after draft-ietf-rmcat-gcc-02: transport-wide feedback
/// (§2 of draft-holmer-rmcat-transport-wide-cc-extensions-01) is matched against the <see cref="SendHistory"/>;
/// received packets feed the inter-group delay variation (§5.2), the trendline filter and adaptive-threshold
/// overuse detector (§5.3–5.4) and the AIMD rate controller (§5.5); the loss fraction feeds the loss-based
/// controller (§6). The target is the smaller of the two, within the configured bounds.
/// </summary>
/// <remarks>Feedback processing allocates nothing. Not thread-safe: the subscriber's RTCP path owns it.</remarks>
internal sealed class SendSideEstimator
{
    private readonly SendHistory _history;
    private readonly TimeProvider _time;
    private readonly SendSideEstimatorOptions _options;
    private readonly InterArrivalFilter _interArrival = new();
    private readonly TrendlineDetector _detector = new();
    private readonly AimdRateController _delayBased;
    private readonly LossBasedController _lossBased;
    private readonly BitrateMeter _acknowledged;
    private long _lastArrivalMicros = long.MinValue;
    private long _lastFeedbackMicros;
    private long _bytesSentAtFeedback;

    public SendSideEstimator(SendHistory history, TimeProvider time, SendSideEstimatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(time);
        options ??= new SendSideEstimatorOptions();
        options.Validate();
        _history = history;
        _time = time;
        _options = options;
        _delayBased = new AimdRateController(options);
        _lossBased = new LossBasedController(options);
        _acknowledged = new BitrateMeter(options.AcknowledgedWindow, 10);
        TargetBitrate = options.StartBitrate;
        _lastFeedbackMicros = MediaClock.NowMicros(time);
    }

    /// <summary>The bitrate the subscriber's downlink should be given, bits per second.</summary>
    public long TargetBitrate { get; private set; }

    /// <summary>The delay-based estimate A (§5.5).</summary>
    public long DelayBasedBitrate => _delayBased.Bitrate;

    /// <summary>The loss-based estimate As (§6).</summary>
    public long LossBasedBitrate => _lossBased.Bitrate;

    /// <summary>What the receiver reported as received over the last window, bits per second (0 before feedback).</summary>
    public long AcknowledgedBitrate { get; private set; }

    /// <summary>The loss fraction of the last completed loss window.</summary>
    public double LossFraction => _lossBased.LossFraction;

    /// <summary>Smoothed round-trip time from send to feedback, microseconds (0 before feedback).</summary>
    public long RttMicros { get; private set; }

    public BandwidthUsage Usage { get; private set; }

    /// <summary>The overuse detector's current adaptive threshold, ms.</summary>
    public double DetectorThreshold => _detector.Threshold;

    /// <summary>Feedback packets processed, and reported sequence numbers that matched nothing sent (unknown or repeated).</summary>
    public long FeedbackCount { get; private set; }

    public long UnmatchedReports { get; private set; }

    /// <summary>Takes one feedback's arrivals (in sequence order) and updates the estimate. Returns the new target.</summary>
    public long OnFeedback(ReadOnlySpan<TwccArrival> arrivals)
    {
        long now = MediaClock.NowMicros(_time);
        int expected = 0, lost = 0;
        long latestSend = long.MinValue;
        bool overused = false;
        BandwidthUsage usage = _detector.State;

        foreach (var arrival in arrivals)
        {
            if (!_history.TryReport(arrival.Sequence, out var sent))
            {
                UnmatchedReports++;
                continue;
            }
            expected++;
            if (!arrival.Received)
            {
                lost++;
                continue;
            }
            latestSend = Math.Max(latestSend, sent.SendMicros);
            _acknowledged.Add(sent.Size, arrival.ArrivalMicros);
            _lastArrivalMicros = Math.Max(_lastArrivalMicros, arrival.ArrivalMicros);
            if (_interArrival.Add(sent.SendMicros, arrival.ArrivalMicros, sent.Size, out long sendDelta, out long arrivalDelta, out long groupArrival))
            {
                usage = _detector.Update(sendDelta, arrivalDelta, groupArrival);
                overused |= usage == BandwidthUsage.Overusing;
            }
        }

        if (expected == 0) return TargetBitrate;
        FeedbackCount++;
        _lastFeedbackMicros = now;
        _bytesSentAtFeedback = _history.BytesSent;

        if (latestSend != long.MinValue && now >= latestSend)
        {
            long sample = now - latestSend;
            RttMicros = RttMicros == 0 ? sample : (7 * RttMicros + sample) / 8;
        }
        if (_lastArrivalMicros != long.MinValue) AcknowledgedBitrate = _acknowledged.BitsPerSecond(_lastArrivalMicros);

        Usage = overused ? BandwidthUsage.Overusing : usage;
        long delayBased = _delayBased.Update(Usage, AcknowledgedBitrate, RttMicros, now);
        long lossBased = _lossBased.Update(expected, lost, delayBased, now);
        TargetBitrate = Math.Clamp(Math.Min(delayBased, lossBased), _options.MinBitrate, _options.MaxBitrate);
        return TargetBitrate;
    }

    /// <summary>
    /// Call periodically (e.g. every 100 ms): when packets have gone out but no feedback has come back for
    /// <see cref="SendSideEstimatorOptions.FeedbackTimeout"/>, the path may be gone or the feedback lost, so the
    /// target drops by 20% once per timeout period (libwebrtc backs off the same way). Returns the target.
    /// </summary>
    public long OnTick()
    {
        long now = MediaClock.NowMicros(_time);
        long timeout = (long)_options.FeedbackTimeout.TotalMicroseconds;
        if (now - _lastFeedbackMicros < timeout || _history.BytesSent == _bytesSentAtFeedback) return TargetBitrate;
        long lowered = Math.Max(_options.MinBitrate, TargetBitrate * 4 / 5);
        _delayBased.Cap(lowered);
        _lossBased.Cap(lowered);
        TargetBitrate = lowered;
        _lastFeedbackMicros = now; // the next cut waits another period
        TimeoutCuts++;
        return TargetBitrate;
    }

    /// <summary>
    /// A probe by media: the sender wants to try <paramref name="bitrate"/> (the next simulcast layer) although the estimate
    /// cannot climb there on its own — it never rises above 1.5 × what was acknowledged, so a subscriber held on a low
    /// layer would stay there after its link recovered. Only while nothing says the path is congested; the layer sent is
    /// the probe, and overuse or loss brings the estimate down again as usual. Returns the target.
    /// </summary>
    public long Probe(long bitrate)
    {
        if (Usage != BandwidthUsage.Normal || bitrate <= TargetBitrate) return TargetBitrate;
        _delayBased.Raise(bitrate);
        _lossBased.Raise(bitrate);
        TargetBitrate = Math.Clamp(bitrate, _options.MinBitrate, _options.MaxBitrate);
        Probes++;
        return TargetBitrate;
    }

    /// <summary>How many probes raised the estimate.</summary>
    public long Probes { get; private set; }

    /// <summary>How many times <see cref="OnTick"/> lowered the target for missing feedback.</summary>
    public long TimeoutCuts { get; private set; }
}
