namespace Confer.Stun.Attributes;

/// <summary>
/// ADDRESS-ERROR-CODE (RFC 8656 §18.12): why the server could not allocate one address family of a
/// dual-stack Allocate. ERROR-CODE's layout with the family in the first byte.
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Family       |    Reserved             |Class|     Number    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      Reason Phrase (variable)                                ..
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Also written under the draft number <see cref="StunAttributeType.AddressErrorCodeDraft"/> (0x8033) for clients that
/// asked with <see cref="StunAttributeType.AdditionalAddressFamilyDraft"/>.
/// </summary>
public static class AddressErrorCode
{
    public static bool TryRead(ReadOnlySpan<byte> value, out StunAddressFamily family, out int code, out ReadOnlySpan<byte> reason)
    {
        family = 0;
        if (!ErrorCode.TryRead(value, out code, out reason)) return false;
        family = (StunAddressFamily)value[0];
        return true;
    }

    public static void AddAddressErrorCode(this ref StunMessageWriter writer, StunAddressFamily family, int code, string reason) =>
        ErrorCode.Write(ref writer, StunAttributeType.AddressErrorCode, code, reason, (byte)family);

    public static void AddAddressErrorCode(this ref StunMessageWriter writer, StunAddressFamily family, int code) =>
        writer.AddAddressErrorCode(family, code, ErrorCode.DefaultReason(code));

    /// <summary>
    /// ADDRESS-ERROR-CODE with the RFC's reason phrase under <paramref name="type"/>: <see cref="StunAttributeType.AddressErrorCode"/>
    /// or the draft number <see cref="StunAttributeType.AddressErrorCodeDraft"/>.
    /// </summary>
    public static void AddAddressErrorCode(this ref StunMessageWriter writer, StunAttributeType type, StunAddressFamily family, int code)
    {
        if (type is not (StunAttributeType.AddressErrorCode or StunAttributeType.AddressErrorCodeDraft))
            throw new ArgumentException("ADDRESS-ERROR-CODE is 0x8001, or 0x8033 as the draft numbered it.", nameof(type));
        ErrorCode.Write(ref writer, type, code, ErrorCode.DefaultReason(code), (byte)family);
    }
}
