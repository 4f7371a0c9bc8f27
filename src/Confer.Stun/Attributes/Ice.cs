using System.Buffers.Binary;

namespace Confer.Stun.Attributes;

/// <summary>
/// ICE's attributes (RFC 8445 §7.1.1, §16.1): PRIORITY (32 bits), USE-CANDIDATE (no value),
/// ICE-CONTROLLED and ICE-CONTROLLING (a 64-bit tie-breaker).
/// </summary>
public static class Ice
{
    public static bool TryReadPriority(ReadOnlySpan<byte> value, out uint priority)
    {
        priority = value.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(value) : 0;
        return value.Length == 4;
    }

    /// <summary>ICE-CONTROLLED / ICE-CONTROLLING: the tie-breaker.</summary>
    public static bool TryReadTieBreaker(ReadOnlySpan<byte> value, out ulong tieBreaker)
    {
        tieBreaker = value.Length == 8 ? BinaryPrimitives.ReadUInt64BigEndian(value) : 0;
        return value.Length == 8;
    }

    /// <summary>USE-CANDIDATE has an empty value.</summary>
    public static bool IsValidUseCandidate(ReadOnlySpan<byte> value) => value.IsEmpty;

    public static void AddPriority(this ref StunMessageWriter writer, uint priority) => writer.AddUInt32(StunAttributeType.Priority, priority);

    public static void AddUseCandidate(this ref StunMessageWriter writer) => writer.AddFlag(StunAttributeType.UseCandidate);

    public static void AddIceControlled(this ref StunMessageWriter writer, ulong tieBreaker) => writer.AddUInt64(StunAttributeType.IceControlled, tieBreaker);

    public static void AddIceControlling(this ref StunMessageWriter writer, ulong tieBreaker) => writer.AddUInt64(StunAttributeType.IceControlling, tieBreaker);
}
