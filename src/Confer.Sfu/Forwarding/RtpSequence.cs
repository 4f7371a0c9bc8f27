namespace Confer.Sfu.Forwarding;

/// <summary>
/// Serial-number arithmetic on 16-bit RTP sequence numbers (RFC 3550 §A.1, RFC 1982): a is newer than b
/// when it lies less than half the space ahead, so 0 follows 65535.
/// </summary>
internal static class RtpSequence
{
    /// <summary>Signed distance from <paramref name="from"/> to <paramref name="to"/> in (-32768, 32767].</summary>
    public static int Delta(ushort from, ushort to) => (short)(ushort)(to - from);

    public static bool IsNewer(ushort candidate, ushort reference) => Delta(reference, candidate) > 0;
}

/// <summary>Extends 16-bit sequence numbers to a monotonic 64-bit count across wraps (RFC 3550 §A.1).</summary>
internal struct SequenceUnwrapper
{
    private long _highest;
    private bool _started;

    /// <summary>The extended value of <paramref name="sequence"/> near the highest seen; updates the highest.</summary>
    public long Unwrap(ushort sequence)
    {
        if (!_started)
        {
            _started = true;
            _highest = sequence + 0x10000L; // room below the first packet for reordered ones
            return _highest;
        }
        long extended = _highest + RtpSequence.Delta((ushort)_highest, sequence);
        if (extended > _highest)
            _highest = extended;
        return extended;
    }

    public readonly long Highest => _highest;
    public readonly bool Started => _started;
}
