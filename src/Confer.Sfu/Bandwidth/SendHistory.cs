namespace Confer.Sfu.Bandwidth;

/// <summary>
/// Send side of transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2):
/// assigns each packet sent toward one subscriber its transport-wide sequence number and remembers its size
/// and send time, so that feedback can be matched to what was sent.
/// </summary>
/// <remarks>
/// A fixed ring of <see cref="Capacity"/> entries; recording overwrites the oldest and allocates nothing.
/// Feedback for a sequence number older than the ring (or never assigned) is not found. Each entry can be
/// reported once: a second report of the same sequence number is refused so that repeated feedback does not
/// count a packet twice. Not thread-safe: the subscriber's send loop owns it.
/// </remarks>
internal sealed class SendHistory
{
    private readonly TimeProvider _time;
    private readonly long[] _sequences;
    private readonly int[] _sizes;
    private readonly long[] _sendMicros;
    private readonly bool[] _reported;
    private readonly int _mask;
    private long _next;

    /// <param name="capacity">Entries kept, a power of two (8192 holds about 26 s at 3 Mb/s with 1200-byte packets).</param>
    /// <param name="firstSequence">The first transport-wide sequence number to hand out.</param>
    public SendHistory(TimeProvider time, int capacity = 8192, ushort firstSequence = 1)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (capacity < 16 || capacity > 1 << 15 || (capacity & (capacity - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), "The send history capacity must be a power of two between 16 and 32768.");
        _time = time;
        _sequences = new long[capacity];
        Array.Fill(_sequences, -1L);
        _sizes = new int[capacity];
        _sendMicros = new long[capacity];
        _reported = new bool[capacity];
        _mask = capacity - 1;
        _next = firstSequence;
    }

    public int Capacity => _sequences.Length;

    /// <summary>The next transport-wide sequence number, unwrapped.</summary>
    public long NextSequence => _next;

    /// <summary>Total bytes recorded so far.</summary>
    public long BytesSent { get; private set; }

    /// <summary>Records a packet sent now and returns the transport-wide sequence number to put in its header extension.</summary>
    public ushort Record(int size) => Record(size, MediaClock.NowMicros(_time));

    /// <summary>Records a packet of <paramref name="size"/> bytes sent at <paramref name="sendMicros"/>.</summary>
    public ushort Record(int size, long sendMicros)
    {
        long sequence = _next++;
        int slot = (int)(sequence & _mask);
        _sequences[slot] = sequence;
        _sizes[slot] = Math.Max(size, 0);
        _sendMicros[slot] = sendMicros;
        _reported[slot] = false;
        BytesSent += Math.Max(size, 0);
        return (ushort)sequence;
    }

    /// <summary>Looks up a packet by its 16-bit sequence number (unwrapped against the most recent one sent).</summary>
    public bool TryGet(ushort sequence, out SentPacket packet)
    {
        int slot = Find(sequence);
        if (slot < 0)
        {
            packet = default;
            return false;
        }
        packet = new SentPacket(_sequences[slot], _sizes[slot], _sendMicros[slot]);
        return true;
    }

    /// <summary>Like <see cref="TryGet"/>, and marks the packet reported; false when unknown or already reported.</summary>
    public bool TryReport(ushort sequence, out SentPacket packet)
    {
        int slot = Find(sequence);
        if (slot < 0 || _reported[slot])
        {
            packet = default;
            return false;
        }
        _reported[slot] = true;
        packet = new SentPacket(_sequences[slot], _sizes[slot], _sendMicros[slot]);
        return true;
    }

    private int Find(ushort sequence)
    {
        long last = _next - 1;
        long unwrapped = last + (short)(ushort)(sequence - (ushort)last);
        if (unwrapped > last || unwrapped <= last - _sequences.Length) return -1;
        int slot = (int)(unwrapped & _mask);
        return _sequences[slot] == unwrapped ? slot : -1;
    }
}
