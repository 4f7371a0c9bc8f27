using System.Buffers.Binary;

namespace Confer.Sfu.Tests.Forwarding;

/// <summary>Hand-built RTP packets (RFC 3550 §5.1) for forwarding tests.</summary>
internal static class RtpTestPackets
{
    /// <summary>A packet with a 12-byte header (V=2), the given fields and a payload of <paramref name="payloadLength"/> bytes of <paramref name="fill"/>.</summary>
    public static byte[] Build(ushort sequence, uint timestamp, uint ssrc, bool marker = false, byte payloadType = 96, int payloadLength = 20, byte fill = 0xAB)
    {
        var packet = new byte[12 + payloadLength];
        Write(packet, sequence, timestamp, ssrc, marker, payloadType, fill);
        return packet;
    }

    public static void Write(Span<byte> packet, ushort sequence, uint timestamp, uint ssrc, bool marker = false, byte payloadType = 96, byte fill = 0xAB)
    {
        packet[0] = 0x80;
        packet[1] = (byte)((marker ? 0x80 : 0) | payloadType);
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(packet[4..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(packet[8..], ssrc);
        packet[12..].Fill(fill);
    }
}
