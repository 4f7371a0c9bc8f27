using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Transport;

namespace Confer.Turn.Handlers;

/// <summary>The key a response is signed with: the request's long-term key and which HMAC it used.</summary>
public readonly record struct IntegrityKey(byte[]? Key, bool Sha256)
{
    public bool IsPresent => Key is not null;
}

/// <summary>Writing responses: SOFTWARE, optional MESSAGE-INTEGRITY(-SHA256), FINGERPRINT last (RFC 8489 §6.3).</summary>
internal static class StunResponse
{
    /// <summary>Enough for every response this server writes (the longest is an Allocate success, about 250 bytes).</summary>
    public const int MaxLength = 768;

    /// <summary>Most unknown attributes reported in one 420 (RFC 8489 §14.9).</summary>
    public const int MaxUnknown = 16;

    public static StunMessageWriter Begin(Span<byte> buffer, in StunMessage request, StunClass @class) =>
        new(buffer, request.Type.WithClass(@class), request.TransactionId);

    /// <summary>SOFTWARE (when given: success responses only), then the integrity and FINGERPRINT.</summary>
    public static void Finish(ref StunMessageWriter writer, string? software, IntegrityKey key)
    {
        if (software is not null) writer.AddString(StunAttributeType.Software, software);
        if (key.Key is { } k)
        {
            if (key.Sha256) writer.AddMessageIntegritySha256(k);
            else writer.AddMessageIntegrity(k);
        }
        writer.AddFingerprint();
    }

    /// <summary>
    /// Sends an error response with ERROR-CODE (and UNKNOWN-ATTRIBUTES for 420). Without SOFTWARE: an error tells a
    /// stranger no more than it must, and stays small.
    /// </summary>
    public static void SendError(in PacketContext context, in StunMessage request, int code,
        IntegrityKey key = default, ReadOnlySpan<ushort> unknown = default)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        var writer = Begin(buffer, request, StunClass.ErrorResponse);
        writer.AddErrorCode(code);
        if (!unknown.IsEmpty) writer.AddUnknownAttributes(unknown);
        Finish(ref writer, null, key);
        context.Reply(writer.Written);
    }

    /// <summary>
    /// Collects comprehension-required attributes not in <paramref name="known"/> (RFC 8489 §6.3.1).
    /// Returns how many were written to <paramref name="unknown"/>.
    /// </summary>
    public static int FindUnknown(in StunMessage message, ReadOnlySpan<StunAttributeType> known, Span<ushort> unknown)
    {
        int count = 0;
        foreach (var attribute in message.Attributes)
        {
            var type = attribute.Type;
            if (!type.IsComprehensionRequired() || known.Contains(type)) continue;
            if (unknown[..count].Contains((ushort)type)) continue;
            if (count == unknown.Length) break;
            unknown[count++] = (ushort)type;
        }
        return count;
    }

    /// <summary>Attributes every method understands: authentication and integrity (RFC 8489 §14).</summary>
    public static ReadOnlySpan<StunAttributeType> CommonKnown =>
    [
        StunAttributeType.Username, StunAttributeType.MessageIntegrity, StunAttributeType.MessageIntegritySha256,
        StunAttributeType.Realm, StunAttributeType.Nonce, StunAttributeType.UserHash, StunAttributeType.PasswordAlgorithm,
    ];
}
