using System.Buffers.Binary;

namespace Confer.Stun.Attributes;

/// <summary>LIFETIME (RFC 8656 §18.2): seconds until the allocation expires, 32 bits.</summary>
public static class Lifetime
{
    public static bool TryRead(ReadOnlySpan<byte> value, out uint seconds)
    {
        seconds = value.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(value) : 0;
        return value.Length == 4;
    }

    public static void AddLifetime(this ref StunMessageWriter writer, uint seconds) => writer.AddUInt32(StunAttributeType.Lifetime, seconds);

    public static void AddLifetime(this ref StunMessageWriter writer, TimeSpan lifetime) =>
        writer.AddLifetime((uint)Math.Clamp(lifetime.TotalSeconds, 0, uint.MaxValue));
}
