using System.Text;

namespace Confer.Stun.Attributes;

/// <summary>
/// ERROR-CODE (RFC 8489 §14.8): 21 reserved bits, class (hundreds, 3–6), number (0–99), UTF-8 reason.
/// Also the value layout of ADDRESS-ERROR-CODE (RFC 8656 §18.12), which puts a family in the first byte.
/// </summary>
public static class ErrorCode
{
    public const int TryAlternate = 300;
    public const int BadRequest = 400;
    public const int Unauthenticated = 401;
    public const int Forbidden = 403;
    public const int UnknownAttribute = 420;
    public const int AllocationMismatch = 437;
    public const int StaleNonce = 438;
    public const int AddressFamilyNotSupported = 440;
    public const int WrongCredentials = 441;
    public const int UnsupportedTransportProtocol = 442;
    public const int PeerAddressFamilyMismatch = 443;
    public const int ConnectionAlreadyExists = 446;
    public const int ConnectionTimeoutOrFailure = 447;
    public const int AllocationQuotaReached = 486;
    public const int RoleConflict = 487;
    public const int ServerError = 500;
    public const int InsufficientCapacity = 508;

    /// <summary>The RFC's reason phrase for a code, for responses that need no more detail.</summary>
    public static string DefaultReason(int code) => code switch
    {
        TryAlternate => "Try Alternate",
        BadRequest => "Bad Request",
        Unauthenticated => "Unauthenticated",
        Forbidden => "Forbidden",
        UnknownAttribute => "Unknown Attribute",
        AllocationMismatch => "Allocation Mismatch",
        StaleNonce => "Stale Nonce",
        AddressFamilyNotSupported => "Address Family not Supported",
        WrongCredentials => "Wrong Credentials",
        UnsupportedTransportProtocol => "Unsupported Transport Protocol",
        PeerAddressFamilyMismatch => "Peer Address Family Mismatch",
        ConnectionAlreadyExists => "Connection Already Exists",
        ConnectionTimeoutOrFailure => "Connection Timeout or Failure",
        AllocationQuotaReached => "Allocation Quota Reached",
        RoleConflict => "Role Conflict",
        ServerError => "Server Error",
        InsufficientCapacity => "Insufficient Capacity",
        _ => "Error",
    };

    internal static void Write(ref StunMessageWriter writer, StunAttributeType type, int code, string reason, byte firstByte = 0)
    {
        if (code is < 300 or > 699) throw new ArgumentOutOfRangeException(nameof(code), code, "STUN error codes are 300-699.");
        int reasonLength = Encoding.UTF8.GetByteCount(reason);
        // The reason phrase: fewer than 128 characters, at most 509 bytes when sending (RFC 8489 §14.8).
        if (reasonLength > StunString.MaxTextBytesToSend || CountRunes(reason) > StunString.MaxTextCharacters)
            throw new ArgumentException("An ERROR-CODE reason is fewer than 128 characters.", nameof(reason));
        var value = writer.Reserve(type, 4 + reasonLength);
        value[0] = firstByte;
        value[1] = 0;
        value[2] = (byte)(code / 100);
        value[3] = (byte)(code % 100);
        Encoding.UTF8.GetBytes(reason, value[4..]);
    }

    private static int CountRunes(string text)
    {
        int count = 0;
        foreach (var _ in text.EnumerateRunes()) count++;
        return count;
    }

    /// <summary>ERROR-CODE with the RFC's reason phrase for <paramref name="code"/>.</summary>
    public static void AddErrorCode(this ref StunMessageWriter writer, int code) => writer.AddErrorCode(code, DefaultReason(code));

    /// <summary>Reads the code (class*100 + number) and the reason phrase bytes (UTF-8, not validated).</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, out int code, out ReadOnlySpan<byte> reason)
    {
        code = 0;
        reason = default;
        if (value.Length < 4) return false;
        int @class = value[2] & 0x07, number = value[3];
        if (@class is < 3 or > 6 || number > 99) return false;
        code = @class * 100 + number;
        reason = value[4..];
        return true;
    }
}
