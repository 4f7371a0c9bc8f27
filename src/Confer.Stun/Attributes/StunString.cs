using System.Text;
using System.Text.Unicode;

namespace Confer.Stun.Attributes;

/// <summary>
/// UTF-8 text attributes and their limits (RFC 8489 §14.3, §14.8, §14.9, §14.10, §14.14, §14.16).
/// Senders keep USERNAME under 509 bytes and REALM, NONCE, SOFTWARE and the ERROR-CODE reason under
/// 128 characters and 509 bytes; receivers accept up to 763 bytes, as RFC 5389 allowed. ALTERNATE-DOMAIN
/// is a domain name of at most 255 bytes. Reads validate length and UTF-8 and allocate nothing.
/// </summary>
public static class StunString
{
    /// <summary>What a receiver accepts for USERNAME, REALM, NONCE, SOFTWARE and reason phrases (RFC 8489 §14.3).</summary>
    public const int MaxReceivedBytes = 763;
    /// <summary>USERNAME: "fewer than 509 bytes" when sending (RFC 8489 §14.3).</summary>
    public const int MaxUsernameBytesToSend = 508;
    /// <summary>REALM, NONCE, SOFTWARE, reason phrase: "as long as 509 bytes when encoding them".</summary>
    public const int MaxTextBytesToSend = 509;
    /// <summary>REALM, NONCE, SOFTWARE, reason phrase: "fewer than 128 characters".</summary>
    public const int MaxTextCharacters = 127;
    public const int MaxAlternateDomainBytes = 255;

    /// <summary>Byte limit on receipt for a text attribute type, or -1 when <paramref name="type"/> is not one.</summary>
    public static int MaxBytes(StunAttributeType type) => type switch
    {
        StunAttributeType.Username or StunAttributeType.Realm or StunAttributeType.Nonce or StunAttributeType.Software => MaxReceivedBytes,
        StunAttributeType.AlternateDomain => MaxAlternateDomainBytes,
        _ => -1,
    };

    /// <summary>Byte limit when sending, or -1 when <paramref name="type"/> is not a text attribute.</summary>
    public static int MaxBytesToSend(StunAttributeType type) => type switch
    {
        StunAttributeType.Username => MaxUsernameBytesToSend,
        StunAttributeType.Realm or StunAttributeType.Nonce or StunAttributeType.Software => MaxTextBytesToSend,
        StunAttributeType.AlternateDomain => MaxAlternateDomainBytes,
        _ => -1,
    };

    /// <summary>Character (Unicode scalar) limit, or int.MaxValue when only bytes are limited.</summary>
    public static int MaxCharacters(StunAttributeType type) =>
        type is StunAttributeType.Realm or StunAttributeType.Nonce or StunAttributeType.Software ? MaxTextCharacters : int.MaxValue;

    /// <summary>True when <paramref name="value"/> is valid UTF-8 within the type's limits.</summary>
    public static bool IsValid(StunAttributeType type, ReadOnlySpan<byte> value) =>
        IsValid(value, MaxBytes(type), MaxCharacters(type));

    internal static bool IsValid(ReadOnlySpan<byte> value, int maxBytes, int maxCharacters) =>
        maxBytes >= 0 && value.Length <= maxBytes && Utf8.IsValid(value) && CountScalars(value) <= maxCharacters;

    /// <summary>Allocation-free read: the UTF-8 bytes of a valid text attribute.</summary>
    public static bool TryRead(StunAttributeType type, ReadOnlySpan<byte> value, out ReadOnlySpan<byte> utf8)
    {
        bool valid = IsValid(type, value);
        utf8 = valid ? value : default;
        return valid;
    }

    /// <summary>Reads a text attribute into a new string (allocates; for values you keep).</summary>
    public static bool TryRead(StunAttributeType type, ReadOnlySpan<byte> value, out string text)
    {
        if (!IsValid(type, value)) { text = ""; return false; }
        text = Encoding.UTF8.GetString(value);
        return true;
    }

    /// <summary>Counts Unicode scalars in valid UTF-8: every byte that is not a continuation byte starts one.</summary>
    internal static int CountScalars(ReadOnlySpan<byte> utf8)
    {
        int count = 0;
        foreach (var b in utf8) if ((b & 0xC0) != 0x80) count++;
        return count;
    }

    /// <summary>Writes a text attribute; throws when it breaks the RFC's sending limits (a bug in the caller).</summary>
    public static void AddText(this ref StunMessageWriter writer, StunAttributeType type, scoped ReadOnlySpan<byte> utf8)
    {
        if (!IsValid(utf8, MaxBytesToSend(type), MaxCharacters(type)))
            throw new ArgumentException($"{type} must be valid UTF-8 within {MaxBytesToSend(type)} bytes and {MaxCharacters(type)} characters.", nameof(utf8));
        writer.Add(type, utf8);
    }

    public static void AddText(this ref StunMessageWriter writer, StunAttributeType type, string text)
    {
        int count = Encoding.UTF8.GetByteCount(text);
        if (count > MaxBytesToSend(type)) throw new ArgumentException($"{type} is longer than {MaxBytesToSend(type)} bytes.", nameof(text));
        Span<byte> utf8 = stackalloc byte[count];
        Encoding.UTF8.GetBytes(text, utf8);
        writer.AddText(type, utf8);
    }

    /// <summary>USERNAME (RFC 8489 §14.3).</summary>
    public static void AddUsername(this ref StunMessageWriter writer, string username) => writer.AddText(StunAttributeType.Username, username);
    public static void AddUsername(this ref StunMessageWriter writer, scoped ReadOnlySpan<byte> utf8) => writer.AddText(StunAttributeType.Username, utf8);

    /// <summary>REALM (RFC 8489 §14.9).</summary>
    public static void AddRealm(this ref StunMessageWriter writer, string realm) => writer.AddText(StunAttributeType.Realm, realm);
    public static void AddRealm(this ref StunMessageWriter writer, scoped ReadOnlySpan<byte> utf8) => writer.AddText(StunAttributeType.Realm, utf8);

    /// <summary>NONCE (RFC 8489 §14.10).</summary>
    public static void AddNonce(this ref StunMessageWriter writer, string nonce) => writer.AddText(StunAttributeType.Nonce, nonce);
    public static void AddNonce(this ref StunMessageWriter writer, scoped ReadOnlySpan<byte> utf8) => writer.AddText(StunAttributeType.Nonce, utf8);

    /// <summary>SOFTWARE (RFC 8489 §14.14).</summary>
    public static void AddSoftware(this ref StunMessageWriter writer, string software) => writer.AddText(StunAttributeType.Software, software);

    /// <summary>ALTERNATE-DOMAIN (RFC 8489 §14.16).</summary>
    public static void AddAlternateDomain(this ref StunMessageWriter writer, string domain) => writer.AddText(StunAttributeType.AlternateDomain, domain);
}
