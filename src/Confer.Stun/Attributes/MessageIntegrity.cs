using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Confer.Stun.Attributes;

/// <summary>
/// MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) and MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6).
/// The HMAC covers the message up to the attribute, with the header's length field set as if the
/// attribute were the last one. Verification runs over the exact bytes received.
/// </summary>
public static class MessageIntegrity
{
    public const int Sha1Length = 20;
    public const int Sha256Length = 32;
    /// <summary>MESSAGE-INTEGRITY-SHA256 may be truncated to 16, 20, 24 or 28 bytes (RFC 8489 §14.6).</summary>
    public const int MinSha256Length = 16;

    internal static void ComputeSha1(ReadOnlySpan<byte> key, ReadOnlySpan<byte> covered, Span<byte> destination) =>
        HMACSHA1.HashData(key, covered, destination);

    internal static void ComputeSha256(ReadOnlySpan<byte> key, ReadOnlySpan<byte> covered, Span<byte> destination) =>
        HMACSHA256.HashData(key, covered, destination);

    /// <summary>True when MESSAGE-INTEGRITY is present and matches the key.</summary>
    public static bool VerifySha1(in StunMessage message, ReadOnlySpan<byte> key)
    {
        int offset = message.MessageIntegrityOffset;
        var bytes = message.Bytes;
        // Offsets come from TryRead; the checks also keep a default (unparsed) message from throwing.
        if (offset < StunMessage.HeaderLength || bytes.Length < offset + 4 + Sha1Length) return false;
        if (BinaryPrimitives.ReadUInt16BigEndian(bytes[(offset + 2)..]) != Sha1Length) return false;
        Span<byte> mac = stackalloc byte[Sha1Length];
        HashPrefix(bytes, offset, Sha1Length, key, mac, sha256: false);
        return CryptographicOperations.FixedTimeEquals(mac, bytes.Slice(offset + 4, Sha1Length));
    }

    /// <summary>True when MESSAGE-INTEGRITY-SHA256 is present (16–32 bytes, a multiple of 4) and matches.</summary>
    public static bool VerifySha256(in StunMessage message, ReadOnlySpan<byte> key)
    {
        int offset = message.MessageIntegritySha256Offset;
        var bytes = message.Bytes;
        if (offset < StunMessage.HeaderLength || bytes.Length < offset + 4) return false;
        int length = BinaryPrimitives.ReadUInt16BigEndian(bytes[(offset + 2)..]);
        if (length is < MinSha256Length or > Sha256Length || (length & 3) != 0 || bytes.Length < offset + 4 + length) return false;
        Span<byte> mac = stackalloc byte[Sha256Length];
        HashPrefix(bytes, offset, length, key, mac, sha256: true);
        return CryptographicOperations.FixedTimeEquals(mac[..length], bytes.Slice(offset + 4, length));
    }

    private static void HashPrefix(ReadOnlySpan<byte> bytes, int offset, int attributeLength, ReadOnlySpan<byte> key, Span<byte> mac, bool sha256)
    {
        byte[]? rented = null;
        Span<byte> copy = offset <= 1024 ? stackalloc byte[offset] : (rented = ArrayPool<byte>.Shared.Rent(offset)).AsSpan(0, offset);
        try
        {
            bytes[..offset].CopyTo(copy);
            BinaryPrimitives.WriteUInt16BigEndian(copy[2..], (ushort)(offset + 4 + attributeLength - StunMessage.HeaderLength));
            if (sha256) HMACSHA256.HashData(key, copy, mac); else HMACSHA1.HashData(key, copy, mac);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
