using System.Buffers.Binary;

namespace Confer.Sfu.Rtp;

/// <summary>
/// A parsed RTP packet: a view over the exact bytes received (RFC 3550 §5.1). Parsing allocates nothing;
/// header extensions (RFC 8285) are read on demand. Being a <c>ref struct</c>, it cannot outlive its buffer.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           timestamp                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           synchronization source (SSRC) identifier            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            contributing source (CSRC) identifiers             |
/// |                             ....                              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      defined by profile       |           length              |  (X = 1, RFC 3550 §5.3.1)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                        header extension                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     payload  ...  | padding | padding count   |  (P = 1)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly ref struct RtpPacket
{
    public const int FixedHeaderLength = 12;
    /// <summary>RFC 8285 §4.2: the "defined by profile" value of the one-byte form.</summary>
    public const ushort OneByteProfile = 0xBEDE;
    /// <summary>RFC 8285 §4.3: the two-byte form is 0x100 followed by 4 application bits.</summary>
    public const ushort TwoByteProfile = 0x1000;

    private RtpPacket(ReadOnlySpan<byte> bytes, int extensionOffset, int extensionLength, int headerLength, int paddingLength)
    {
        Bytes = bytes;
        ExtensionOffset = extensionOffset;
        ExtensionLength = extensionLength;
        HeaderLength = headerLength;
        PaddingLength = paddingLength;
    }

    /// <summary>The whole packet, exactly as received.</summary>
    public ReadOnlySpan<byte> Bytes { get; }
    /// <summary>Offset of the extension data (after its 4-byte header), or -1 when X = 0.</summary>
    public int ExtensionOffset { get; }
    /// <summary>Length in bytes of the extension data (the header's length field × 4).</summary>
    public int ExtensionLength { get; }
    /// <summary>Fixed header + CSRCs + extension: the payload's offset.</summary>
    public int HeaderLength { get; }
    /// <summary>Trailing padding bytes, the count byte included (0 when P = 0).</summary>
    public int PaddingLength { get; }

    public int Version => Bytes[0] >> 6;
    public bool HasPadding => (Bytes[0] & 0x20) != 0;
    public bool HasExtension => (Bytes[0] & 0x10) != 0;
    public int CsrcCount => Bytes[0] & 0x0F;
    public bool Marker => (Bytes[1] & 0x80) != 0;
    public byte PayloadType => (byte)(Bytes[1] & 0x7F);
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(Bytes[2..]);
    public uint Timestamp => BinaryPrimitives.ReadUInt32BigEndian(Bytes[4..]);
    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(Bytes[8..]);
    public uint GetCsrc(int index) => (uint)index < (uint)CsrcCount
        ? BinaryPrimitives.ReadUInt32BigEndian(Bytes[(FixedHeaderLength + 4 * index)..])
        : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The "defined by profile" field of the extension header, or 0 when X = 0.</summary>
    public ushort ExtensionProfile => ExtensionOffset < 0 ? (ushort)0 : BinaryPrimitives.ReadUInt16BigEndian(Bytes[(ExtensionOffset - 4)..]);
    public bool IsOneByteExtension => ExtensionProfile == OneByteProfile;
    public bool IsTwoByteExtension => ExtensionOffset >= 0 && (ExtensionProfile & 0xFFF0) == TwoByteProfile;
    /// <summary>The raw extension data (empty when X = 0).</summary>
    public ReadOnlySpan<byte> ExtensionData => ExtensionOffset < 0 ? default : Bytes.Slice(ExtensionOffset, ExtensionLength);

    public int PayloadOffset => HeaderLength;
    public int PayloadLength => Bytes.Length - HeaderLength - PaddingLength;
    /// <summary>The payload without padding.</summary>
    public ReadOnlySpan<byte> Payload => Bytes.Slice(HeaderLength, PayloadLength);

    /// <summary>
    /// Parses one RTP packet occupying exactly <paramref name="bytes"/>. Checks every length, the padding
    /// count and every RFC 8285 element; never throws for any input.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out RtpPacket packet, out RtpError error)
    {
        packet = default;
        if (bytes.Length < FixedHeaderLength) { error = RtpError.TooShort; return false; }
        if (bytes[0] >> 6 != 2) { error = RtpError.BadVersion; return false; }
        int offset = FixedHeaderLength + 4 * (bytes[0] & 0x0F);
        if (offset > bytes.Length) { error = RtpError.CsrcTruncated; return false; }

        int extensionOffset = -1, extensionLength = 0;
        if ((bytes[0] & 0x10) != 0)
        {
            if (offset + 4 > bytes.Length) { error = RtpError.ExtensionTruncated; return false; }
            ushort profile = BinaryPrimitives.ReadUInt16BigEndian(bytes[offset..]);
            extensionLength = 4 * BinaryPrimitives.ReadUInt16BigEndian(bytes[(offset + 2)..]);
            extensionOffset = offset + 4;
            if (extensionOffset + extensionLength > bytes.Length) { error = RtpError.ExtensionTruncated; return false; }
            if (!RtpHeaderExtensions.IsWellFormed(bytes.Slice(extensionOffset, extensionLength), profile))
            { error = RtpError.ExtensionElementTruncated; return false; }
            offset = extensionOffset + extensionLength;
        }

        int padding = 0;
        if ((bytes[0] & 0x20) != 0)
        {
            padding = bytes[^1];
            if (padding == 0 || padding > bytes.Length - offset) { error = RtpError.BadPadding; return false; }
        }
        packet = new RtpPacket(bytes, extensionOffset, extensionLength, offset, padding);
        error = RtpError.None;
        return true;
    }

    /// <summary>Walks the RFC 8285 elements (one-byte or two-byte form); nothing for other profiles.</summary>
    public RtpHeaderExtensionEnumerator Extensions =>
        new(ExtensionData, ExtensionOffset, IsOneByteExtension ? 1 : IsTwoByteExtension ? 2 : 0);

    /// <summary>Finds the first element with <paramref name="id"/> (RFC 8285 §4). Id 0 never matches.</summary>
    public bool TryGetExtension(byte id, out RtpHeaderExtension extension)
    {
        extension = default;
        if (id == 0) return false;
        foreach (var element in Extensions)
        {
            if (element.Id == id) { extension = element; return true; }
        }
        return false;
    }

    /// <summary>Whether the element <paramref name="id"/> (e.g. mid or rid) holds exactly <paramref name="value"/>; compares bytes, allocates nothing.</summary>
    public bool ExtensionEquals(byte id, ReadOnlySpan<byte> value) =>
        TryGetExtension(id, out var extension) && extension.Value.SequenceEqual(value);

    /// <summary>abs-send-time: 24 bits, 6.18 fixed-point seconds.</summary>
    public bool TryGetAbsSendTime(byte id, out uint sendTime24)
    {
        sendTime24 = 0;
        if (!TryGetExtension(id, out var e) || e.Value.Length != 3) return false;
        sendTime24 = (uint)(e.Value[0] << 16 | e.Value[1] << 8 | e.Value[2]);
        return true;
    }

    /// <summary>draft-holmer-rmcat-transport-wide-cc-extensions-01 §2: the 16-bit transport-wide sequence number.</summary>
    public bool TryGetTransportSequenceNumber(byte id, out ushort sequence)
    {
        sequence = 0;
        if (!TryGetExtension(id, out var e) || e.Value.Length != 2) return false;
        sequence = BinaryPrimitives.ReadUInt16BigEndian(e.Value);
        return true;
    }

    /// <summary>RFC 6464 §3: the V (voice activity) bit and the level in −dBov (0–127).</summary>
    public bool TryGetAudioLevel(byte id, out bool voiceActivity, out byte level)
    {
        voiceActivity = false;
        level = 0;
        if (!TryGetExtension(id, out var e) || e.Value.Length < 1) return false;
        voiceActivity = (e.Value[0] & 0x80) != 0;
        level = (byte)(e.Value[0] & 0x7F);
        return true;
    }
}
