using System.Buffers.Binary;

namespace Confer.Sfu.Rtcp;

/// <summary>
/// The sender-info section of an SR (RFC 3550 §6.4.1) and NTP-time helpers: a 64-bit NTP timestamp
/// (seconds since 1900-01-01 in the upper 32 bits, the fraction in the lower) paired with the RTP
/// timestamp of the same instant, so receivers can map RTP time to wall-clock time.
/// <code>
/// |              NTP timestamp, most significant word             |
/// |             NTP timestamp, least significant word             |
/// |                         RTP timestamp                         |
/// |                     sender's packet count                     |
/// |                      sender's octet count                     |
/// </code>
/// </summary>
internal readonly record struct RtcpSenderInfo(ulong NtpTimestamp, uint RtpTimestamp, uint PacketCount, uint OctetCount)
{
    public const int Length = 20;
    private static readonly DateTime NtpEpoch = new(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static RtcpSenderInfo Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt64BigEndian(source),
        BinaryPrimitives.ReadUInt32BigEndian(source[8..]),
        BinaryPrimitives.ReadUInt32BigEndian(source[12..]),
        BinaryPrimitives.ReadUInt32BigEndian(source[16..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, NtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], RtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], PacketCount);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], OctetCount);
    }

    /// <summary>The middle 32 bits of the NTP timestamp: what a receiver echoes as LSR (RFC 3550 §6.4.1).</summary>
    public uint NtpMiddle32 => (uint)(NtpTimestamp >> 16);

    /// <summary>The 64-bit NTP timestamp of a UTC instant (era 0, valid until 2036-02-07).</summary>
    public static ulong ToNtp(DateTime utc)
    {
        long ticks = utc.ToUniversalTime().Ticks - NtpEpoch.Ticks;
        ulong seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        ulong fraction = ((ulong)(ticks % TimeSpan.TicksPerSecond) << 32) / TimeSpan.TicksPerSecond;
        return seconds << 32 | fraction;
    }

    /// <summary>The UTC instant of a 64-bit NTP timestamp (era 0), to the nearest 100 ns tick.</summary>
    public static DateTime FromNtp(ulong ntp)
    {
        long seconds = (long)(ntp >> 32);
        long fractionTicks = (long)(((ntp & 0xFFFFFFFF) * TimeSpan.TicksPerSecond + 0x80000000) >> 32);
        return NtpEpoch.AddTicks(seconds * TimeSpan.TicksPerSecond + fractionTicks);
    }

    /// <summary>The sender info for <paramref name="now"/>, with the stream's RTP timestamp at that instant.</summary>
    public static RtcpSenderInfo At(DateTime now, uint rtpTimestampNow, uint packetCount, uint octetCount) =>
        new(ToNtp(now), rtpTimestampNow, packetCount, octetCount);

    /// <summary>The wall-clock time of <paramref name="rtpTimestamp"/> on this stream (signed 32-bit distance from the SR's RTP timestamp).</summary>
    public DateTime ToDateTime(uint rtpTimestamp, int clockRate)
    {
        int distance = (int)(rtpTimestamp - RtpTimestamp);
        return FromNtp(NtpTimestamp).AddTicks(distance * TimeSpan.TicksPerSecond / clockRate);
    }

    /// <summary>The RTP timestamp of the wall-clock <paramref name="time"/> on this stream (wraps modulo 2^32).</summary>
    public uint ToRtpTimestamp(DateTime time, int clockRate)
    {
        long ticks = (time.ToUniversalTime() - FromNtp(NtpTimestamp)).Ticks;
        long units = (long)Math.Round(ticks * (double)clockRate / TimeSpan.TicksPerSecond);
        return unchecked(RtpTimestamp + (uint)units);
    }
}
