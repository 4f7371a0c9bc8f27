using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Confer.Stun;

/// <summary>
/// A ChannelData message (RFC 8656 §12.4): 4 bytes of header, then application data. Over TCP/TLS the
/// message is padded to a multiple of 4 bytes (RFC 8656 §12.5); over UDP padding is optional.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Channel Number        |            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// /                       Application Data                        /
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly ref struct ChannelData
{
    public const int HeaderLength = 4;
    /// <summary>Channel numbers a client may bind: 0x4000–0x4FFF (RFC 8656 §12).</summary>
    public const ushort MinChannel = 0x4000;
    public const ushort MaxChannel = 0x4FFF;
    /// <summary>
    /// The top of RFC 5766's wider range, 0x4000–0x7FFF (RFC 5766 §11): RFC 8656 narrowed it, but clients (coturn's
    /// among them) still bind numbers up to here, so a server may accept them.
    /// </summary>
    public const ushort MaxRfc5766Channel = 0x7FFF;
    /// <summary>The most application data one message carries (its Length field is 16 bits).</summary>
    public const int MaxDataLength = ushort.MaxValue;

    private ChannelData(ushort channel, ReadOnlySpan<byte> data)
    {
        Channel = channel;
        Data = data;
    }

    public ushort Channel { get; }
    public ReadOnlySpan<byte> Data { get; }

    public static bool IsValidChannel(ushort channel) => channel is >= MinChannel and <= MaxChannel;

    /// <summary>True for 0x4000–0x7FFF, the range of RFC 5766 §11 (a superset of <see cref="IsValidChannel"/>).</summary>
    public static bool IsRfc5766Channel(ushort channel) => channel is >= MinChannel and <= MaxRfc5766Channel;

    /// <summary>Frame length for <paramref name="dataLength"/> bytes of data: header, data, and padding to 4 when <paramref name="pad"/>.</summary>
    public static int FrameLength(int dataLength, bool pad) => pad ? (HeaderLength + dataLength + 3) & ~3 : HeaderLength + dataLength;

    /// <summary>True when the first two bits are 01 (RFC 8656 §12.4 / RFC 7983 demultiplexing).</summary>
    public static bool LooksLikeChannelData(ReadOnlySpan<byte> bytes) => bytes.Length >= HeaderLength && (bytes[0] & 0xC0) == 0x40;

    /// <summary>Parses a ChannelData message; the buffer may carry trailing padding. Never throws.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out ChannelData message) => TryRead(bytes, rfc5766Range: false, out message);

    /// <summary>
    /// Parses a ChannelData message whose channel is in 0x4000–0x4FFF, or 0x4000–0x7FFF with <paramref name="rfc5766Range"/>
    /// (<see cref="IsRfc5766Channel"/>). The buffer may carry trailing padding. Never throws.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> bytes, bool rfc5766Range, out ChannelData message)
    {
        message = default;
        if (bytes.Length < HeaderLength) return false;
        ushort channel = BinaryPrimitives.ReadUInt16BigEndian(bytes);
        if (!(rfc5766Range ? IsRfc5766Channel(channel) : IsValidChannel(channel))) return false;
        int length = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        if (bytes.Length - HeaderLength < length) return false;
        message = new ChannelData(channel, bytes.Slice(HeaderLength, length));
        return true;
    }

    /// <summary>Writes header and data; pads with zeros to 4 bytes when <paramref name="pad"/>. Returns bytes written.</summary>
    public static int Write(Span<byte> destination, ushort channel, ReadOnlySpan<byte> data, bool pad)
    {
        if (data.Length > MaxDataLength) throw new ArgumentException("ChannelData carries at most 65535 bytes.", nameof(data));
        if (destination.Length < FrameLength(data.Length, pad)) throw new ArgumentException("Destination too small for ChannelData.", nameof(destination));
        data.CopyTo(destination[HeaderLength..]);
        return WriteAround(destination, channel, data.Length, pad);
    }

    /// <summary>
    /// Frames data already in place: <paramref name="frame"/> holds <paramref name="dataLength"/> bytes of data at
    /// <see cref="HeaderLength"/>; writes the 4-byte header in front of it and, when <paramref name="pad"/>, zero padding
    /// after it (RFC 8656 §12.5). Returns the frame's length. Used by a relay that receives into a buffer with head room,
    /// so the data is never copied.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteAround(Span<byte> frame, ushort channel, int dataLength, bool pad)
    {
        if ((uint)dataLength > MaxDataLength) throw new ArgumentOutOfRangeException(nameof(dataLength), dataLength, "ChannelData carries at most 65535 bytes.");
        int total = HeaderLength + dataLength;
        int padded = pad ? (total + 3) & ~3 : total;
        if (frame.Length < padded) throw new ArgumentException("Frame too small for ChannelData.", nameof(frame));
        BinaryPrimitives.WriteUInt16BigEndian(frame, channel);
        BinaryPrimitives.WriteUInt16BigEndian(frame[2..], (ushort)dataLength);
        frame[total..padded].Clear();
        return padded;
    }
}
