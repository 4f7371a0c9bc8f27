namespace Confer.Stun.Attributes;

/// <summary>
/// PADDING (RFC 5780 §7.6): meaningless bytes that make a message larger, to test for fragmentation.
/// The content is ignored; the receiver only cares how long it is.
/// </summary>
public static class Padding
{
    public static bool TryRead(ReadOnlySpan<byte> value, out int length)
    {
        length = value.Length;
        return true;
    }

    /// <summary>Adds <paramref name="length"/> zero bytes of PADDING (rounded up to 4 on the wire).</summary>
    public static void AddPadding(this ref StunMessageWriter writer, int length) => writer.Reserve(StunAttributeType.Padding, length).Clear();
}
