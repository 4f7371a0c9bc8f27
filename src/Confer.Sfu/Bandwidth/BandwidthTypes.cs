namespace Confer.Sfu.Bandwidth;

/// <summary>
/// One entry of a transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1):
/// the transport-wide sequence number, whether it arrived and, when it did, its arrival time in microseconds on the
/// receiver's clock. Only differences between arrival times carry meaning. The RTCP codec turns these into
/// packet status chunks and receive deltas; this type is what the bandwidth code reads and writes.
/// </summary>
internal readonly record struct TwccArrival(ushort Sequence, bool Received, long ArrivalMicros);

/// <summary>
/// What a <see cref="TwccRecorder"/> hands to the feedback writer beside the arrivals themselves
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1: base sequence number, packet status count,
/// feedback packet count; the writer derives the 24-bit reference time from the first received arrival).
/// </summary>
/// <param name="BaseSequence">The first sequence number the batch covers.</param>
/// <param name="Count">How many entries were written into the caller's span (the packet status count).</param>
/// <param name="FeedbackCount">The 8-bit feedback packet count, incremented for each batch and wrapping at 256.</param>
internal readonly record struct TwccFeedbackBatch(ushort BaseSequence, int Count, byte FeedbackCount);

/// <summary>One outgoing packet as the send history remembers it.</summary>
/// <param name="Sequence">The transport-wide sequence number, unwrapped to 64 bits.</param>
/// <param name="Size">Bytes on the wire (RTP header, payload and padding).</param>
/// <param name="SendMicros">Send time on the sender's clock, microseconds.</param>
internal readonly record struct SentPacket(long Sequence, int Size, long SendMicros);

/// <summary>The overuse detector's verdict (draft-ietf-rmcat-gcc-02 §5.4).</summary>
internal enum BandwidthUsage
{
    Normal,
    Underusing,
    Overusing,
}

/// <summary>Microsecond clocks over <see cref="TimeProvider"/> timestamps, exact and without overflow.</summary>
internal static class MediaClock
{
    /// <summary>The provider's monotonic timestamp in microseconds.</summary>
    public static long NowMicros(TimeProvider time)
    {
        long ticks = time.GetTimestamp();
        long frequency = time.TimestampFrequency;
        return ticks / frequency * 1_000_000 + ticks % frequency * 1_000_000 / frequency;
    }
}
