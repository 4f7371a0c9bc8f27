using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Confer.Stun;

/// <summary>The 96-bit transaction id (RFC 8489 §5, §6.3.1: chosen uniformly at random).</summary>
public readonly record struct TransactionId(ulong High, uint Low)
{
    public const int Length = 12;

    public static TransactionId New()
    {
        Span<byte> bytes = stackalloc byte[Length];
        RandomNumberGenerator.Fill(bytes);
        return Read(bytes);
    }

    public static TransactionId Read(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Low);
    }

    public override string ToString() => $"{High:x16}{Low:x8}";
}
