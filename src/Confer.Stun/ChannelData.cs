using System.Buffers.Binary;

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

    private ChannelData(ushort channel, ReadOnlySpan<byte> data)
    {
        Channel = channel;
        Data = data;
    }

    public ushort Channel { get; }
    public ReadOnlySpan<byte> Data { get; }

    public static bool IsValidChannel(ushort channel) => channel is >= MinChannel and <= MaxChannel;

    /// <summary>True when the first two bits are 01 (RFC 8656 §12.4 / RFC 7983 demultiplexing).</summary>
    public static bool LooksLikeChannelData(ReadOnlySpan<byte> bytes) => bytes.Length >= HeaderLength && (bytes[0] & 0xC0) == 0x40;

    /// <summary>Parses a ChannelData message; the buffer may carry trailing padding. Never throws.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out ChannelData message)
    {
        message = default;
        if (bytes.Length < HeaderLength) return false;
        ushort channel = BinaryPrimitives.ReadUInt16BigEndian(bytes);
        if (!IsValidChannel(channel)) return false;
        int length = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        if (bytes.Length - HeaderLength < length) return false;
        message = new ChannelData(channel, bytes.Slice(HeaderLength, length));
        return true;
    }

    /// <summary>Writes header and data; pads with zeros to 4 bytes when <paramref name="pad"/>. Returns bytes written.</summary>
    public static int Write(Span<byte> destination, ushort channel, ReadOnlySpan<byte> data, bool pad)
    {
        if (data.Length > ushort.MaxValue) throw new ArgumentException("ChannelData carries at most 65535 bytes.", nameof(data));
        int total = HeaderLength + data.Length;
        int padded = pad ? (total + 3) & ~3 : total;
        if (destination.Length < padded) throw new ArgumentException("Destination too small for ChannelData.", nameof(destination));
        BinaryPrimitives.WriteUInt16BigEndian(destination, channel);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)data.Length);
        data.CopyTo(destination[HeaderLength..]);
        destination[total..padded].Clear();
        return padded;
    }
}
