namespace Confer.Sfu.Forwarding;

/// <summary>How a key frame is asked for: PLI (RFC 4585 §6.3.1) or FIR (RFC 5104 §4.3.1).</summary>
internal enum KeyframeRequestKind : byte
{
    Pli,
    Fir,
}

/// <summary>Sends the actual RTCP feedback towards the publisher; the RTCP writer lives elsewhere.</summary>
internal interface IKeyframeRequestSink
{
    /// <param name="mediaSsrc">The publisher's track SSRC the request is about.</param>
    /// <param name="firSequence">FIR command sequence number (RFC 5104 §4.3.1.1); unused for PLI.</param>
    void RequestKeyframe(uint mediaSsrc, KeyframeRequestKind kind, byte firSequence);
}

/// <summary>
/// Key frame requests for one publisher track, throttled: however many subscribers switch layers or lose
/// packets, the publisher gets at most one request per <c>minInterval</c> (500 ms by default, LiveKit's
/// floor). A request stays pending until a key frame arrives; <see cref="Retry"/> repeats it once the interval
/// has passed. A FIR repeat keeps its command sequence number; a new request increments it (RFC 5104 §4.3.1.1).
/// </summary>
internal sealed class KeyframeRequester
{
    public static readonly TimeSpan DefaultMinInterval = TimeSpan.FromMilliseconds(500);

    private readonly IKeyframeRequestSink _sink;
    private readonly TimeProvider _time;
    private readonly long _minIntervalTicks;
    private long _lastSentAt;
    private bool _everSent;
    private byte _firSequence;

    public KeyframeRequester(uint mediaSsrc, IKeyframeRequestSink sink, TimeProvider time, TimeSpan? minInterval = null,
        KeyframeRequestKind kind = KeyframeRequestKind.Pli)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(time);
        var interval = minInterval ?? DefaultMinInterval;
        if (interval < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(minInterval), interval, "The key frame request interval cannot be negative.");
        MediaSsrc = mediaSsrc;
        Kind = kind;
        _sink = sink;
        _time = time;
        _minIntervalTicks = (long)(interval.TotalSeconds * time.TimestampFrequency);
    }

    public uint MediaSsrc { get; }
    public KeyframeRequestKind Kind { get; }
    /// <summary>A request was made and no key frame has arrived since.</summary>
    public bool Pending { get; private set; }
    public long Sent { get; private set; }
    public long Throttled { get; private set; }

    /// <summary>Asks for a key frame; true when a request went out, false when throttled (it stays pending).</summary>
    public bool Request()
    {
        if (!Pending)
        {
            Pending = true;
            _firSequence++; // a new command, not a repetition
        }
        return SendIfDue();
    }

    /// <summary>Repeats a pending request whose key frame has not come, if the interval allows. Call from a timer.</summary>
    public bool Retry() => Pending && SendIfDue();

    /// <summary>A key frame arrived from the publisher: nothing is pending any more.</summary>
    public void OnKeyframe() => Pending = false;

    private bool SendIfDue()
    {
        long now = _time.GetTimestamp();
        if (_everSent && now - _lastSentAt < _minIntervalTicks)
        {
            Throttled++;
            return false;
        }
        _everSent = true;
        _lastSentAt = now;
        Sent++;
        _sink.RequestKeyframe(MediaSsrc, Kind, _firSequence);
        return true;
    }
}
