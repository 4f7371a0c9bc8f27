using System.Buffers.Binary;

namespace Confer.Sfu.Rtcp;

/// <summary>RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1).</summary>
internal enum RtcpPacketType : byte
{
    SenderReport = 200,        // SR
    ReceiverReport = 201,      // RR
    SourceDescription = 202,   // SDES
    Goodbye = 203,             // BYE
    ApplicationDefined = 204,  // APP
    TransportFeedback = 205,   // RTPFB
    PayloadFeedback = 206,     // PSFB
}

/// <summary>Feedback message types (the FMT field) this codec knows.</summary>
internal static class RtcpFeedbackFormat
{
    /// <summary>RTPFB: Generic NACK (RFC 4585 §6.2.1).</summary>
    public const int GenericNack = 1;
    /// <summary>RTPFB: transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).</summary>
    public const int TransportWideCc = 15;
    /// <summary>PSFB: Picture Loss Indication (RFC 4585 §6.3.1).</summary>
    public const int PictureLossIndication = 1;
    /// <summary>PSFB: Full Intra Request (RFC 5104 §4.3.1).</summary>
    public const int FullIntraRequest = 4;
    /// <summary>PSFB: application layer feedback, used by REMB (draft-alvestrand-rmcat-remb-03 §2.2).</summary>
    public const int ApplicationLayer = 15;
}

/// <summary>
/// One RTCP packet inside a compound packet: a view over its bytes (RFC 3550 §6.4.1 common header).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| RC/FMT  |      PT       |   length (32-bit words − 1)   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     body ... | padding | padding count        |
/// </code>
/// </summary>
internal readonly ref struct RtcpPacket
{
    public const int HeaderLength = 4;

    private RtcpPacket(ReadOnlySpan<byte> bytes, int paddingLength)
    {
        Bytes = bytes;
        PaddingLength = paddingLength;
    }

    /// <summary>The whole packet: header, body and padding.</summary>
    public ReadOnlySpan<byte> Bytes { get; }
    public int PaddingLength { get; }
    public bool HasPadding => (Bytes[0] & 0x20) != 0;
    /// <summary>The 5-bit RC (reports, SDES chunks, BYE sources) or FMT (feedback) field.</summary>
    public int Count => Bytes[0] & 0x1F;
    public RtcpPacketType Type => (RtcpPacketType)Bytes[1];
    /// <summary>Everything after the 4-byte header, padding excluded.</summary>
    public ReadOnlySpan<byte> Body => Bytes[HeaderLength..^PaddingLength];

    /// <summary>Whether this is a feedback packet of the given type and FMT.</summary>
    public bool Is(RtcpPacketType type, int format) => Type == type && Count == format;

    /// <summary>Reads the packet at the start of <paramref name="bytes"/>; <paramref name="length"/> is how many bytes it occupies.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out RtcpPacket packet, out int length, out RtcpError error)
    {
        packet = default;
        length = 0;
        if (bytes.Length < HeaderLength) { error = RtcpError.TooShort; return false; }
        if (bytes[0] >> 6 != 2) { error = RtcpError.BadVersion; return false; }
        int size = 4 * (BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]) + 1);
        if (size > bytes.Length) { error = RtcpError.LengthMismatch; return false; }
        int padding = 0;
        if ((bytes[0] & 0x20) != 0)
        {
            padding = bytes[size - 1];
            if (padding == 0 || padding > size - HeaderLength) { error = RtcpError.BadPadding; return false; }
        }
        packet = new RtcpPacket(bytes[..size], padding);
        length = size;
        error = RtcpError.None;
        return true;
    }

    /// <summary>Writes the common header; <paramref name="totalLength"/> must be a multiple of 4.</summary>
    internal static void WriteHeader(Span<byte> destination, int count, RtcpPacketType type, int totalLength)
    {
        destination[0] = (byte)(0x80 | (count & 0x1F));
        destination[1] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(totalLength / 4 - 1));
    }
}

/// <summary>
/// Enumerates the packets of a compound RTCP packet (RFC 3550 §6.1) without allocating. Stops at the end
/// (false, <see cref="RtcpError.None"/>) or at the first malformed packet (false, its error).
/// </summary>
internal ref struct RtcpCompoundReader
{
    private ReadOnlySpan<byte> _remaining;

    public RtcpCompoundReader(ReadOnlySpan<byte> compound) => _remaining = compound;

    public readonly bool IsAtEnd => _remaining.IsEmpty;

    public bool TryReadNext(out RtcpPacket packet, out RtcpError error)
    {
        if (_remaining.IsEmpty) { packet = default; error = RtcpError.None; return false; }
        if (!RtcpPacket.TryRead(_remaining, out packet, out int length, out error))
        {
            _remaining = default;
            return false;
        }
        _remaining = _remaining[length..];
        return true;
    }
}
