using System.Buffers.Binary;

namespace Confer.Stun.Attributes;

/// <summary>
/// ICMP (RFC 8656 §18.13): an ICMP error the server received for a relayed packet, carried in a Data indication.
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Reserved                     |  ICMP Type  |  ICMP Code      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                          Error Data                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Type is 7 bits (0–127), code 9 bits (0–511). Error Data is the next-hop MTU for "packet too big" /
/// "fragmentation needed", zero otherwise.
/// </summary>
public static class Icmp
{
    public const int Length = 8;
    public const byte MaxType = 0x7F;
    public const ushort MaxCode = 0x1FF;

    public static bool TryRead(ReadOnlySpan<byte> value, out byte type, out ushort code, out uint errorData)
    {
        type = 0;
        code = 0;
        errorData = 0;
        if (value.Length != Length) return false;
        ushort typeAndCode = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        type = (byte)(typeAndCode >> 9);
        code = (ushort)(typeAndCode & MaxCode);
        errorData = BinaryPrimitives.ReadUInt32BigEndian(value[4..]);
        return true;
    }

    public static void AddIcmp(this ref StunMessageWriter writer, byte type, ushort code, uint errorData)
    {
        if (type > MaxType) throw new ArgumentOutOfRangeException(nameof(type), type, "ICMP type is 7 bits.");
        if (code > MaxCode) throw new ArgumentOutOfRangeException(nameof(code), code, "ICMP code is 9 bits.");
        var value = writer.Reserve(StunAttributeType.Icmp, Length);
        BinaryPrimitives.WriteUInt16BigEndian(value, 0);
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], (ushort)((type << 9) | code));
        BinaryPrimitives.WriteUInt32BigEndian(value[4..], errorData);
    }
}
