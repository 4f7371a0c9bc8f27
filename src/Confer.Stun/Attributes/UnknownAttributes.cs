using System.Buffers.Binary;

namespace Confer.Stun.Attributes;

/// <summary>
/// UNKNOWN-ATTRIBUTES (RFC 8489 §14.13): a list of 16-bit attribute types, sent in a 420 response.
/// The length is 2 × count (an odd count leaves 2 bytes of padding, not a repeated type).
/// </summary>
public static class UnknownAttributes
{
    /// <summary>Validates the value and returns how many types it lists.</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, out int count)
    {
        count = (value.Length & 1) == 0 ? value.Length / 2 : 0;
        return (value.Length & 1) == 0;
    }

    /// <summary>Copies the listed types into <paramref name="destination"/>; false when odd-sized or it does not fit.</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, Span<ushort> destination, out int count)
    {
        if (!TryRead(value, out count) || count > destination.Length) { count = 0; return false; }
        for (int i = 0; i < count; i++) destination[i] = BinaryPrimitives.ReadUInt16BigEndian(value[(2 * i)..]);
        return true;
    }

    /// <summary>The <paramref name="index"/>th type of a value already checked by <see cref="TryRead(ReadOnlySpan{byte}, out int)"/>.</summary>
    public static ushort Get(ReadOnlySpan<byte> value, int index) => BinaryPrimitives.ReadUInt16BigEndian(value.Slice(2 * index, 2));

    public static void AddUnknownAttributes(this ref StunMessageWriter writer, scoped ReadOnlySpan<ushort> types)
    {
        var value = writer.Reserve(StunAttributeType.UnknownAttributes, 2 * types.Length);
        for (int i = 0; i < types.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(value[(2 * i)..], types[i]);
    }
}
