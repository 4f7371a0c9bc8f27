using System.Buffers.Binary;

namespace Confer.Sfu.Rtcp;

/// <summary>
/// The common part of RTPFB/PSFB feedback messages (RFC 4585 §6.1): the two SSRCs and the
/// feedback control information (FCI) that each FMT defines.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|   FMT   |       PT      |          length               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// :            Feedback Control Information (FCI)                 :
/// </code>
/// </summary>
internal readonly ref struct RtcpFeedback
{
    public const int FixedLength = 12;

    private RtcpFeedback(uint sender, uint media, ReadOnlySpan<byte> fci)
    {
        SenderSsrc = sender;
        MediaSsrc = media;
        Fci = fci;
    }

    public uint SenderSsrc { get; }
    public uint MediaSsrc { get; }
    public ReadOnlySpan<byte> Fci { get; }

    /// <summary>Reads a feedback message of exactly the given type and FMT.</summary>
    public static bool TryRead(in RtcpPacket packet, RtcpPacketType type, int format, out RtcpFeedback feedback, out RtcpError error)
    {
        feedback = default;
        if (!packet.Is(type, format)) { error = RtcpError.WrongType; return false; }
        var body = packet.Body;
        if (body.Length < 8) { error = RtcpError.BodyTooShort; return false; }
        feedback = new RtcpFeedback(BinaryPrimitives.ReadUInt32BigEndian(body), BinaryPrimitives.ReadUInt32BigEndian(body[4..]), body[8..]);
        error = RtcpError.None;
        return true;
    }

    /// <summary>Writes the 12-byte feedback header for a packet of <paramref name="totalLength"/> bytes.</summary>
    internal static void WriteHeader(Span<byte> destination, RtcpPacketType type, int format, int totalLength, uint sender, uint media)
    {
        RtcpPacket.WriteHeader(destination, format, type, totalLength);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], sender);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], media);
    }
}

/// <summary>
/// Generic NACK (RFC 4585 §6.2.1, RTPFB FMT 1): each FCI entry is a packet id (PID) and a bitmask of the
/// 16 following lost packets (BLP; bit i set = PID + i + 1 lost).
/// <code>
/// |            PID                |             BLP               |
/// </code>
/// </summary>
internal static class RtcpNack
{
    public static bool TryRead(in RtcpPacket packet, out RtcpFeedback nack, out RtcpError error) =>
        RtcpFeedback.TryRead(packet, RtcpPacketType.TransportFeedback, RtcpFeedbackFormat.GenericNack, out nack, out error);

    /// <summary>How many sequence numbers the FCI names (for sizing the expansion span).</summary>
    public static int CountLost(in RtcpFeedback nack)
    {
        int count = 0;
        for (int i = 0; i + 4 <= nack.Fci.Length; i += 4)
            count += 1 + System.Numerics.BitOperations.PopCount(BinaryPrimitives.ReadUInt16BigEndian(nack.Fci[(i + 2)..]));
        return count;
    }

    /// <summary>
    /// Expands PID+BLP pairs into lost sequence numbers, in FCI order (wrapping past 65535). Fills as many as
    /// fit; false with <see cref="RtcpError.DestinationTooSmall"/> if some did not.
    /// </summary>
    public static bool TryExpand(in RtcpFeedback nack, Span<ushort> lost, out int count, out RtcpError error)
    {
        count = 0;
        var fci = nack.Fci;
        for (int i = 0; i + 4 <= fci.Length; i += 4)
        {
            ushort pid = BinaryPrimitives.ReadUInt16BigEndian(fci[i..]);
            ushort blp = BinaryPrimitives.ReadUInt16BigEndian(fci[(i + 2)..]);
            if (count >= lost.Length) { error = RtcpError.DestinationTooSmall; return false; }
            lost[count++] = pid;
            for (int bit = 0; bit < 16; bit++)
            {
                if ((blp & (1 << bit)) == 0) continue;
                if (count >= lost.Length) { error = RtcpError.DestinationTooSmall; return false; }
                lost[count++] = (ushort)(pid + bit + 1);
            }
        }
        error = RtcpError.None;
        return true;
    }

    /// <summary>The number of FCI entries that <see cref="TryWrite"/> uses for <paramref name="lost"/>.</summary>
    public static int CountEntries(ReadOnlySpan<ushort> lost)
    {
        int entries = 0;
        ushort pid = 0;
        for (int i = 0; i < lost.Length; i++)
        {
            int distance = (ushort)(lost[i] - pid);
            if (entries > 0 && distance <= 16) continue;
            pid = lost[i];
            entries++;
        }
        return entries;
    }

    /// <summary>
    /// Writes a generic NACK for <paramref name="lost"/> (in sending order, wrap-aware): each sequence number
    /// within 16 after the current PID joins its BLP, any other starts a new entry. Duplicates are harmless.
    /// </summary>
    public static bool TryWrite(Span<byte> destination, uint senderSsrc, uint mediaSsrc, ReadOnlySpan<ushort> lost,
        out int written, out RtcpError error)
    {
        written = 0;
        if (lost.IsEmpty) { error = RtcpError.NothingToWrite; return false; }
        int entries = CountEntries(lost);
        int length = RtcpFeedback.FixedLength + 4 * entries;
        if (length > 4 * 65536 || destination.Length < length) { error = RtcpError.DestinationTooSmall; return false; }
        RtcpFeedback.WriteHeader(destination, RtcpPacketType.TransportFeedback, RtcpFeedbackFormat.GenericNack, length, senderSsrc, mediaSsrc);
        int offset = RtcpFeedback.FixedLength - 4;
        ushort pid = 0, blp = 0;
        for (int i = 0; i < lost.Length; i++)
        {
            int distance = (ushort)(lost[i] - pid);
            if (offset >= RtcpFeedback.FixedLength && distance <= 16)
            {
                if (distance > 0) blp |= (ushort)(1 << (distance - 1));
                continue;
            }
            if (offset >= RtcpFeedback.FixedLength) BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], blp);
            offset += 4;
            pid = lost[i];
            blp = 0;
            BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], pid);
        }
        BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], blp);
        written = length;
        error = RtcpError.None;
        return true;
    }
}
