namespace Confer.Sfu.Bandwidth;

/// <summary>
/// Groups packets and measures the inter-group delay variation (draft-ietf-rmcat-gcc-02 §5.2):
/// d(i) = t(i) - t(i-1) - (T(i) - T(i-1)), where T is the send time of the last packet of a group and t its
/// arrival time. A group is the packets sent within <see cref="BurstMicros"/> of its first packet, plus packets
/// that arrive in a burst right after it (§5.2: "packets that arrive within a burst ... belong to the same group").
/// </summary>
internal sealed class InterArrivalFilter
{
    public const long BurstMicros = 5_000;
    private const long MaxBurstDurationMicros = 100_000;

    private Group _current;
    private Group _previous;
    private bool _hasCurrent;
    private bool _hasPrevious;

    private struct Group
    {
        public long FirstSend;
        public long LastSend;
        public long FirstArrival;
        public long LastArrival;
        public int Size;
    }

    /// <summary>
    /// Adds a received packet (in send order). When it closes a group and a previous group exists, returns true
    /// with the send and arrival deltas between the two completed groups, the group's arrival time and its size.
    /// </summary>
    public bool Add(long sendMicros, long arrivalMicros, int size, out long sendDelta, out long arrivalDelta, out long groupArrival)
    {
        sendDelta = arrivalDelta = groupArrival = 0;
        if (!_hasCurrent)
        {
            Start(sendMicros, arrivalMicros, size);
            return false;
        }

        if (sendMicros < _current.FirstSend)
        {
            return false; // reordered across groups: GCC ignores it
        }

        if (BelongsToCurrent(sendMicros, arrivalMicros))
        {
            _current.LastSend = Math.Max(_current.LastSend, sendMicros);
            _current.LastArrival = Math.Max(_current.LastArrival, arrivalMicros);
            _current.Size += size;
            return false;
        }

        bool produced = false;
        if (_hasPrevious)
        {
            sendDelta = _current.LastSend - _previous.LastSend;
            arrivalDelta = _current.LastArrival - _previous.LastArrival;
            groupArrival = _current.LastArrival;
            produced = arrivalDelta > -3_000_000; // arrival time jumping back over 3 s is a clock reset, not delay
        }
        _previous = _current;
        _hasPrevious = true;
        Start(sendMicros, arrivalMicros, size);
        return produced;
    }

    public void Reset() => _hasCurrent = _hasPrevious = false;

    private bool BelongsToCurrent(long sendMicros, long arrivalMicros)
    {
        if (sendMicros - _current.FirstSend <= BurstMicros) return true;
        // A burst: arrives within 5 ms of the group's last arrival, and sooner than its send spacing would suggest.
        long arrivalDelta = arrivalMicros - _current.LastArrival;
        long sendDelta = sendMicros - _current.LastSend;
        return arrivalDelta >= 0 && arrivalDelta <= BurstMicros && arrivalDelta - sendDelta < 0
            && arrivalMicros - _current.FirstArrival < MaxBurstDurationMicros;
    }

    private void Start(long sendMicros, long arrivalMicros, int size)
    {
        _current = new Group { FirstSend = sendMicros, LastSend = sendMicros, FirstArrival = arrivalMicros, LastArrival = arrivalMicros, Size = size };
        _hasCurrent = true;
    }
}
