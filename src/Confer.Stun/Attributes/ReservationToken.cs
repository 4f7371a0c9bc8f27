using System.Buffers.Binary;

namespace Confer.Stun.Attributes;

/// <summary>RESERVATION-TOKEN (RFC 8656 §18.9): an opaque 8-byte token naming a reserved relayed address.</summary>
public static class ReservationToken
{
    public const int Length = 8;

    public static bool TryRead(ReadOnlySpan<byte> value, out ulong token)
    {
        token = value.Length == Length ? BinaryPrimitives.ReadUInt64BigEndian(value) : 0;
        return value.Length == Length;
    }

    public static void AddReservationToken(this ref StunMessageWriter writer, ulong token) =>
        writer.AddUInt64(StunAttributeType.ReservationToken, token);
}
