using System.Buffers.Binary;

namespace Confer.Sfu.Ice;

/// <summary>
/// ICE-TCP's framing (RFC 6544 §3, RFC 4571 §2): every STUN, DTLS, RTP or RTCP packet on the stream is preceded by its
/// length as a 16-bit unsigned integer in network order.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |             LENGTH            |  STUN / DTLS / RTP / RTCP     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The transport hands the handler whole frames, prefix included: the packet is <c>frame[2..]</c>. A zero length is not
/// a packet of any kind ICE-TCP carries, so the stream is taken as not this protocol.
/// </summary>
public sealed class IceTcpFramer : IStreamFramer
{
    public const int LengthPrefix = 2;

    public static readonly IceTcpFramer Instance = new();

    /// <summary>The prefix and the largest length it can say.</summary>
    public int MaxFrameLength => LengthPrefix + ushort.MaxValue;

    public int HeaderLength => LengthPrefix;

    public bool TryGetFrameLength(ReadOnlySpan<byte> buffer, out int frameLength, out bool needMore)
    {
        frameLength = 0;
        if (buffer.Length < LengthPrefix)
        {
            needMore = true;
            return false;
        }
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        needMore = length > 0;
        if (length == 0) return false;
        frameLength = LengthPrefix + length;
        needMore = buffer.Length < frameLength;
        return !needMore;
    }

    /// <summary>The packet inside a frame this framer measured.</summary>
    public static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> frame) => frame[LengthPrefix..];

    /// <summary>Writes the prefix for a <paramref name="length"/>-byte packet at the start of <paramref name="frame"/>.</summary>
    public static void WriteLength(Span<byte> frame, int length)
    {
        if ((uint)length > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(length), length, "RFC 4571 frames hold at most 65535 bytes.");
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)length);
    }
}
