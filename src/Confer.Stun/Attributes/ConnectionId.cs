using System.Buffers.Binary;

namespace Confer.Stun.Attributes;

/// <summary>CONNECTION-ID (RFC 6062 §6.2.1): 32 bits naming a peer TCP connection.</summary>
public static class ConnectionId
{
    public static bool TryRead(ReadOnlySpan<byte> value, out uint connectionId)
    {
        connectionId = value.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(value) : 0;
        return value.Length == 4;
    }

    public static void AddConnectionId(this ref StunMessageWriter writer, uint connectionId) =>
        writer.AddUInt32(StunAttributeType.ConnectionId, connectionId);
}
