using System.Buffers.Binary;
using System.IO.Hashing;

namespace Confer.Stun.Attributes;

/// <summary>FINGERPRINT (RFC 8489 §14.7): CRC-32 (ISO/IEC 13239) of the message before it, XOR 0x5354554E.</summary>
public static class Fingerprint
{
    public const uint XorValue = 0x5354554E;

    public static uint Compute(ReadOnlySpan<byte> covered) => Crc32.HashToUInt32(covered) ^ XorValue;

    /// <summary>
    /// True when FINGERPRINT is present and matches. It is always the last attribute, so the header's
    /// length already counts it and the received bytes are hashed as they are.
    /// </summary>
    public static bool Verify(in StunMessage message)
    {
        int offset = message.FingerprintOffset;
        var bytes = message.Bytes;
        if (offset < StunMessage.HeaderLength || bytes.Length < offset + 8) return false;
        if (BinaryPrimitives.ReadUInt16BigEndian(bytes[(offset + 2)..]) != 4) return false;
        return Compute(bytes[..offset]) == BinaryPrimitives.ReadUInt32BigEndian(bytes[(offset + 4)..]);
    }
}
