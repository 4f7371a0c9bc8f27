using System.Buffers.Binary;

namespace Confer.Sfu.Rtp;

/// <summary>
/// RTP retransmission payload format (RFC 4588 §4): the RTX packet carries the original header's
/// CSRCs and extensions, its own SSRC, payload type and sequence number, and the original sequence
/// number (OSN) before the original payload.
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         RTP Header                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            OSN                |                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
/// |                  Original RTP Packet Payload                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal static class Rtx
{
    public const int OsnLength = 2;

    /// <summary>Reads the original sequence number from a parsed RTX packet.</summary>
    public static bool TryReadOriginalSequenceNumber(in RtpPacket rtx, out ushort originalSequence, out RtpError error)
    {
        originalSequence = 0;
        if (rtx.PayloadLength < OsnLength) { error = RtpError.RtxPayloadTooShort; return false; }
        originalSequence = BinaryPrimitives.ReadUInt16BigEndian(rtx.Payload);
        error = RtpError.None;
        return true;
    }

    /// <summary>
    /// Writes the RTX form of <paramref name="original"/> into <paramref name="destination"/>: same header
    /// (marker, timestamp, CSRCs, extensions), the RTX stream's SSRC, payload type and sequence number, no
    /// padding, then the OSN and the original payload.
    /// </summary>
    public static bool TryWrite(in RtpPacket original, Span<byte> destination, uint rtxSsrc, byte rtxPayloadType,
        ushort rtxSequence, out int written, out RtpError error)
    {
        written = 0;
        int header = original.HeaderLength;
        int length = header + OsnLength + original.PayloadLength;
        if (destination.Length < length) { error = RtpError.DestinationTooSmall; return false; }
        original.Bytes[..header].CopyTo(destination);
        destination[0] &= 0xDF; // P = 0: the original's padding is not carried
        RtpPacketEditor.SetPayloadType(destination, rtxPayloadType);
        RtpPacketEditor.SetSequenceNumber(destination, rtxSequence);
        RtpPacketEditor.SetSsrc(destination, rtxSsrc);
        BinaryPrimitives.WriteUInt16BigEndian(destination[header..], original.SequenceNumber);
        original.Payload.CopyTo(destination[(header + OsnLength)..]);
        written = length;
        error = RtpError.None;
        return true;
    }

    /// <summary>
    /// Rebuilds the original packet from an RTX packet (RFC 4588 §4): OSN as sequence number, the
    /// original SSRC and payload type, the payload after the OSN, no padding.
    /// </summary>
    public static bool TryRestoreOriginal(in RtpPacket rtx, Span<byte> destination, uint originalSsrc, byte originalPayloadType,
        out int written, out RtpError error)
    {
        written = 0;
        if (!TryReadOriginalSequenceNumber(rtx, out ushort osn, out error)) return false;
        int header = rtx.HeaderLength;
        int payload = rtx.PayloadLength - OsnLength;
        if (destination.Length < header + payload) { error = RtpError.DestinationTooSmall; return false; }
        rtx.Bytes[..header].CopyTo(destination);
        destination[0] &= 0xDF;
        RtpPacketEditor.SetPayloadType(destination, originalPayloadType);
        RtpPacketEditor.SetSequenceNumber(destination, osn);
        RtpPacketEditor.SetSsrc(destination, originalSsrc);
        rtx.Payload[OsnLength..].CopyTo(destination[header..]);
        written = header + payload;
        return true;
    }
}
