using System.Buffers.Binary;

namespace Confer.Sfu.Rtp;

/// <summary>
/// In-place rewrites of an RTP packet in its own buffer (RFC 3550 §5.1 fields; RFC 8285 element values of
/// the same length). Used per subscriber on the forwarding path: nothing moves, nothing allocates.
/// The fixed-field setters expect a buffer that <see cref="RtpPacket.TryRead"/> accepted (12 bytes or more).
/// </summary>
internal static class RtpPacketEditor
{
    public static void SetSequenceNumber(Span<byte> packet, ushort sequence) => BinaryPrimitives.WriteUInt16BigEndian(packet[2..], sequence);
    public static void SetTimestamp(Span<byte> packet, uint timestamp) => BinaryPrimitives.WriteUInt32BigEndian(packet[4..], timestamp);
    public static void SetSsrc(Span<byte> packet, uint ssrc) => BinaryPrimitives.WriteUInt32BigEndian(packet[8..], ssrc);
    public static void SetPayloadType(Span<byte> packet, byte payloadType) => packet[1] = (byte)((packet[1] & 0x80) | (payloadType & 0x7F));
    public static void SetMarker(Span<byte> packet, bool marker) => packet[1] = (byte)(marker ? packet[1] | 0x80 : packet[1] & 0x7F);

    /// <summary>Overwrites the value of element <paramref name="id"/>; the new value must have the same length as the old.</summary>
    public static bool TryWriteExtension(Span<byte> packet, byte id, ReadOnlySpan<byte> value, out RtpError error)
    {
        if (!RtpPacket.TryRead(packet, out var parsed, out error)) return false;
        if (!parsed.TryGetExtension(id, out var extension)) { error = RtpError.ExtensionNotFound; return false; }
        if (extension.Value.Length != value.Length) { error = RtpError.ExtensionLengthMismatch; return false; }
        value.CopyTo(packet.Slice(extension.ValueOffset, value.Length));
        return true;
    }

    /// <summary>abs-send-time (3 bytes, 6.18 fixed-point seconds; see <see cref="AbsSendTime"/>).</summary>
    public static bool TrySetAbsSendTime(Span<byte> packet, byte id, uint sendTime24, out RtpError error)
    {
        Span<byte> value = [(byte)(sendTime24 >> 16), (byte)(sendTime24 >> 8), (byte)sendTime24];
        return TryWriteExtension(packet, id, value, out error);
    }

    /// <summary>Transport-wide sequence number (2 bytes, draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).</summary>
    public static bool TrySetTransportSequenceNumber(Span<byte> packet, byte id, ushort sequence, out RtpError error)
    {
        Span<byte> value = [(byte)(sequence >> 8), (byte)sequence];
        return TryWriteExtension(packet, id, value, out error);
    }

    /// <summary>RFC 6464 §3 audio level: V bit and level in −dBov (clamped to 127). Only the first value byte is written.</summary>
    public static bool TrySetAudioLevel(Span<byte> packet, byte id, bool voiceActivity, byte level, out RtpError error)
    {
        if (!RtpPacket.TryRead(packet, out var parsed, out error)) return false;
        if (!parsed.TryGetExtension(id, out var extension)) { error = RtpError.ExtensionNotFound; return false; }
        packet[extension.ValueOffset] = (byte)((voiceActivity ? 0x80 : 0) | Math.Min(level, (byte)127));
        return true;
    }
}

/// <summary>
/// abs-send-time conversions: a 24-bit 6.18 fixed-point number of seconds that wraps every 64 s
/// (http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time).
/// </summary>
internal static class AbsSendTime
{
    private const long WrapMicros = 64_000_000;

    /// <summary>The 24-bit value for a time in microseconds (any epoch; only the time modulo 64 s is kept).</summary>
    public static uint FromMicros(long micros)
    {
        long within = ((micros % WrapMicros) + WrapMicros) % WrapMicros;
        return (uint)((within << 18) / 1_000_000) & 0xFFFFFF;
    }

    /// <summary>Microseconds since the last 64-second wrap.</summary>
    public static long ToMicros(uint sendTime24) => ((sendTime24 & 0xFFFFFF) * 1_000_000L) >> 18;
}
