using System.Buffers.Binary;

namespace Confer.Stun;

/// <summary>What a stream (TCP/TLS) frame holds.</summary>
public enum StreamFrameKind { Stun, ChannelData }

/// <summary>
/// Splits a TCP/TLS byte stream into STUN messages and ChannelData messages. A STUN message is
/// 20 + Length bytes (RFC 8489 §6.2.2); ChannelData is 4 + Length rounded up to 4 (RFC 8656 §12.5).
/// </summary>
public static class StunFraming
{
    /// <summary>
    /// Room for the longest frame a stream can carry: a STUN header and up to 65535 bytes of attributes, or ChannelData's
    /// 4 + 65535 bytes padded to 4. A stream reader's buffer of this size always holds one whole frame.
    /// </summary>
    public const int MaxFrameLength = StunMessage.HeaderLength + ushort.MaxValue + 3;

    /// <summary>
    /// Looks at the start of a stream buffer. Returns false with <paramref name="needMore"/> when more
    /// bytes are needed, false without it when the stream is not STUN/ChannelData (the caller closes it).
    /// </summary>
    public static bool TryGetFrameLength(ReadOnlySpan<byte> buffer, out int frameLength, out StreamFrameKind kind, out bool needMore)
    {
        frameLength = 0;
        kind = StreamFrameKind.Stun;
        needMore = false;
        if (buffer.Length < 4) { needMore = true; return false; }
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        switch (buffer[0] & 0xC0)
        {
            case 0x00:
                if ((length & 3) != 0) return false;
                // Once the cookie is in, a stream that is not STUN can be closed without waiting for more.
                if (buffer.Length >= 8 && BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]) != StunMessage.MagicCookie) return false;
                frameLength = StunMessage.HeaderLength + length;
                break;
            case 0x40:
                kind = StreamFrameKind.ChannelData;
                frameLength = (ChannelData.HeaderLength + length + 3) & ~3;
                break;
            default:
                return false;
        }
        if (buffer.Length < frameLength) { needMore = true; return false; }
        return true;
    }
}
