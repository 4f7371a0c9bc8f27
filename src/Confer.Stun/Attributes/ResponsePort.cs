using System.Buffers.Binary;

namespace Confer.Stun.Attributes;

/// <summary>
/// RESPONSE-PORT (RFC 5780 §7.5): the port to send the response to, followed by 2 bytes of padding.
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            Port               |           (padding)           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The value length is 4; a 2-byte value (padding counted as attribute padding) is accepted too.
/// </summary>
public static class ResponsePort
{
    public static bool TryRead(ReadOnlySpan<byte> value, out ushort port)
    {
        port = 0;
        if (value.Length is not (2 or 4)) return false;
        port = BinaryPrimitives.ReadUInt16BigEndian(value);
        return true;
    }

    public static void AddResponsePort(this ref StunMessageWriter writer, ushort port)
    {
        var value = writer.Reserve(StunAttributeType.ResponsePort, 4);
        BinaryPrimitives.WriteUInt16BigEndian(value, port);
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], 0);
    }
}
