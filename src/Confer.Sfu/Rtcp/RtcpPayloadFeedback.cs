using System.Buffers.Binary;

namespace Confer.Sfu.Rtcp;

/// <summary>Picture Loss Indication (RFC 4585 §6.3.1, PSFB FMT 1): the feedback header and no FCI.</summary>
internal static class RtcpPli
{
    public const int Length = RtcpFeedback.FixedLength;

    public static bool TryRead(in RtcpPacket packet, out RtcpFeedback pli, out RtcpError error) =>
        RtcpFeedback.TryRead(packet, RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.PictureLossIndication, out pli, out error);

    public static bool TryWrite(Span<byte> destination, uint senderSsrc, uint mediaSsrc, out int written, out RtcpError error)
    {
        written = 0;
        if (destination.Length < Length) { error = RtcpError.DestinationTooSmall; return false; }
        RtcpFeedback.WriteHeader(destination, RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.PictureLossIndication, Length, senderSsrc, mediaSsrc);
        written = Length;
        error = RtcpError.None;
        return true;
    }
}

/// <summary>
/// Full Intra Request (RFC 5104 §4.3.1, PSFB FMT 4). The media-source SSRC of the header is unused (0);
/// each FCI entry names the SSRC asked for a decoder refresh and a command sequence number that the
/// sender increments per new request (§4.3.1.2), so repeats of the same request are recognised.
/// <code>
/// |                              SSRC                             |
/// | Seq nr.       |    Reserved                                   |
/// </code>
/// </summary>
internal static class RtcpFir
{
    public const int EntryLength = 8;
    public const int Length = RtcpFeedback.FixedLength + EntryLength;

    public static bool TryRead(in RtcpPacket packet, out RtcpFeedback fir, out RtcpError error)
    {
        if (!RtcpFeedback.TryRead(packet, RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.FullIntraRequest, out fir, out error)) return false;
        if (fir.Fci.Length < EntryLength) { error = RtcpError.BodyTooShort; fir = default; return false; }
        return true;
    }

    public static int EntryCount(in RtcpFeedback fir) => fir.Fci.Length / EntryLength;

    public static (uint Ssrc, byte SequenceNumber) GetEntry(in RtcpFeedback fir, int index)
    {
        var entry = fir.Fci.Slice(index * EntryLength, EntryLength);
        return (BinaryPrimitives.ReadUInt32BigEndian(entry), entry[4]);
    }

    /// <summary>Writes a FIR asking <paramref name="mediaSsrc"/> for a keyframe with command sequence number <paramref name="sequenceNumber"/>.</summary>
    public static bool TryWrite(Span<byte> destination, uint senderSsrc, uint mediaSsrc, byte sequenceNumber, out int written, out RtcpError error)
    {
        written = 0;
        if (destination.Length < Length) { error = RtcpError.DestinationTooSmall; return false; }
        RtcpFeedback.WriteHeader(destination, RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.FullIntraRequest, Length, senderSsrc, 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], mediaSsrc);
        destination[16] = sequenceNumber;
        destination[17..20].Clear();
        written = Length;
        error = RtcpError.None;
        return true;
    }
}

/// <summary>
/// Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03 §2.2, PSFB FMT 15): read only.
/// <code>
/// |  Unique identifier 'R' 'E' 'M' 'B'                            |
/// |  Num SSRC     | BR Exp    |  BR Mantissa                      |
/// |   SSRC feedback                                               |
/// |  ...                                                          |
/// </code>
/// </summary>
internal readonly ref struct RtcpRemb
{
    private readonly ReadOnlySpan<byte> _ssrcs;

    private RtcpRemb(uint sender, ulong bitrate, ReadOnlySpan<byte> ssrcs)
    {
        SenderSsrc = sender;
        BitrateBps = bitrate;
        _ssrcs = ssrcs;
    }

    public uint SenderSsrc { get; }
    /// <summary>Mantissa × 2^Exp bits per second.</summary>
    public ulong BitrateBps { get; }
    public int SsrcCount => _ssrcs.Length / 4;
    public uint GetSsrc(int index) => BinaryPrimitives.ReadUInt32BigEndian(_ssrcs.Slice(index * 4, 4));

    public static bool TryRead(in RtcpPacket packet, out RtcpRemb remb, out RtcpError error)
    {
        remb = default;
        if (!RtcpFeedback.TryRead(packet, RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.ApplicationLayer, out var feedback, out error)) return false;
        var fci = feedback.Fci;
        if (fci.Length < 8) { error = RtcpError.BodyTooShort; return false; }
        if (!fci[..4].SequenceEqual("REMB"u8)) { error = RtcpError.NotRemb; return false; }
        int count = fci[4];
        if (fci.Length < 8 + 4 * count) { error = RtcpError.BodyTooShort; return false; }
        int exponent = fci[5] >> 2;
        ulong mantissa = (ulong)((fci[5] & 0x03) << 16 | fci[6] << 8 | fci[7]);
        // 18-bit mantissa shifted by up to 63 overflows 64 bits; saturate instead.
        ulong bitrate = exponent > 46 ? (mantissa == 0 ? 0 : ulong.MaxValue) : mantissa << exponent;
        remb = new RtcpRemb(feedback.SenderSsrc, bitrate, fci.Slice(8, 4 * count));
        error = RtcpError.None;
        return true;
    }
}
