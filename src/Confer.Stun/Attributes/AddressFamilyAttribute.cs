namespace Confer.Stun.Attributes;

/// <summary>The address family byte of STUN/TURN attributes (RFC 8489 §14.1, RFC 8656 §18.8).</summary>
public enum StunAddressFamily : byte
{
    IPv4 = 0x01,  // IPv4
    IPv6 = 0x02,  // IPv6
}

/// <summary>
/// REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.8) and ADDITIONAL-ADDRESS-FAMILY (RFC 8656 §18.11):
/// a family byte then 24 bits reserved.
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Family    |            Reserved                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Any family byte is returned; the handler answers 440 to unsupported ones (ADDITIONAL-ADDRESS-FAMILY
/// may only be IPv6, RFC 8656 §7.2).
/// </summary>
public static class AddressFamilyAttribute
{
    public static bool TryRead(ReadOnlySpan<byte> value, out StunAddressFamily family)
    {
        family = value.Length == 4 ? (StunAddressFamily)value[0] : 0;
        return value.Length == 4;
    }

    public static void AddRequestedAddressFamily(this ref StunMessageWriter writer, StunAddressFamily family) =>
        writer.AddUInt32(StunAttributeType.RequestedAddressFamily, (uint)family << 24);

    public static void AddAdditionalAddressFamily(this ref StunMessageWriter writer, StunAddressFamily family) =>
        writer.AddUInt32(StunAttributeType.AdditionalAddressFamily, (uint)family << 24);
}
