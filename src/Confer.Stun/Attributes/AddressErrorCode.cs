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
}
