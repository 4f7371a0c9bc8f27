using System.Buffers.Binary;

namespace Confer.Stun.Attributes;

/// <summary>
/// CHANNEL-NUMBER (RFC 8656 §18.1): the channel, then 16 bits reserved for future use.
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |        Channel Number         |         RFFU = 0              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The reader returns any number; whether it is in 0x4000–0x4FFF is the handler's check
/// (<see cref="ChannelData.IsValidChannel"/>), since a bad one earns a 400, not a dropped packet.
/// </summary>
public static class ChannelNumber
{
    public static bool TryRead(ReadOnlySpan<byte> value, out ushort channel)
    {
        channel = value.Length == 4 ? BinaryPrimitives.ReadUInt16BigEndian(value) : (ushort)0;
        return value.Length == 4;
    }

    public static void AddChannelNumber(this ref StunMessageWriter writer, ushort channel) =>
        writer.AddUInt32(StunAttributeType.ChannelNumber, (uint)channel << 16);
}
