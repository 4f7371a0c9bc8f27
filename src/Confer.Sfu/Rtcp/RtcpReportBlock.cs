using System.Buffers.Binary;

namespace Confer.Sfu.Rtcp;

/// <summary>
/// One reception report block of an SR or RR (RFC 3550 §6.4.1).
/// <code>
/// |                 SSRC_1 (SSRC of first source)                 |
/// | fraction lost |       cumulative number of packets lost       |   (24-bit signed)
/// |           extended highest sequence number received           |
/// |                      interarrival jitter                      |
/// |                         last SR (LSR)                         |
/// |                   delay since last SR (DLSR)                  |   (1/65536 s)
/// </code>
/// </summary>
internal readonly record struct RtcpReportBlock(
    uint Ssrc,
    byte FractionLost,
    int CumulativeLost,
    uint ExtendedHighestSequence,
    uint Jitter,
    uint LastSenderReport,
    uint DelaySinceLastSenderReport)
{
    public const int Length = 24;
    public const int MaxCumulativeLost = 0x7FFFFF;
    public const int MinCumulativeLost = -0x800000;

    public static RtcpReportBlock Read(ReadOnlySpan<byte> source)
    {
        int lost = source[5] << 16 | source[6] << 8 | source[7];
        if ((lost & 0x800000) != 0) lost -= 0x1000000; // sign-extend 24 bits
        return new RtcpReportBlock(
            BinaryPrimitives.ReadUInt32BigEndian(source),
            source[4],
            lost,
            BinaryPrimitives.ReadUInt32BigEndian(source[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[20..]));
    }

    /// <summary>Writes the block; the cumulative loss is clamped to the 24-bit signed range (RFC 3550 §6.4.1).</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Ssrc);
        int lost = Math.Clamp(CumulativeLost, MinCumulativeLost, MaxCumulativeLost);
        destination[4] = FractionLost;
        destination[5] = (byte)(lost >> 16);
        destination[6] = (byte)(lost >> 8);
        destination[7] = (byte)lost;
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ExtendedHighestSequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Jitter);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], LastSenderReport);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], DelaySinceLastSenderReport);
    }

    /// <summary>Fraction lost as an 8-bit fixed-point number (RFC 3550 §A.3); 0 when nothing was lost or more arrived than expected.</summary>
    public static byte ComputeFractionLost(long expectedInInterval, long receivedInInterval)
    {
        long lost = expectedInInterval - receivedInInterval;
        if (expectedInInterval <= 0 || lost <= 0) return 0;
        return (byte)Math.Min(255, (lost << 8) / expectedInInterval);
    }

    /// <summary>DLSR units (1/65536 s) for a delay; negative delays are 0, huge ones saturate.</summary>
    public static uint ToDelayUnits(TimeSpan delay) =>
        delay <= TimeSpan.Zero ? 0 : (uint)Math.Min(uint.MaxValue, delay.Ticks * 65536 / TimeSpan.TicksPerSecond);

    /// <summary>
    /// Round-trip time from a received report (RFC 3550 §6.4.1): arrival − LSR − DLSR in the middle 32 bits
    /// of NTP time. Null when no SR was received yet (LSR = 0) or the result would be negative.
    /// </summary>
    public TimeSpan? RoundTripTime(uint arrivalNtpMiddle32)
    {
        if (LastSenderReport == 0) return null;
        long rtt = (long)arrivalNtpMiddle32 - LastSenderReport - DelaySinceLastSenderReport;
        if (rtt < 0) rtt += 1L << 32; // middle-32 arithmetic wraps every ~18 h
        if (rtt >= 1L << 31) return null;
        return TimeSpan.FromTicks(rtt * TimeSpan.TicksPerSecond / 65536);
    }
}
