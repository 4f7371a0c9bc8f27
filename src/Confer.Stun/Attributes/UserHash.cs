namespace Confer.Stun.Attributes;

/// <summary>USERHASH (RFC 8489 §14.4): SHA-256 of username ":" OpaqueString(realm), exactly 32 bytes.</summary>
public static class UserHash
{
    public const int Length = 32;

    public static bool TryRead(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> hash)
    {
        hash = value.Length == Length ? value : default;
        return value.Length == Length;
    }

    public static void AddUserHash(this ref StunMessageWriter writer, scoped ReadOnlySpan<byte> hash)
    {
        if (hash.Length != Length) throw new ArgumentException("USERHASH is 32 bytes.", nameof(hash));
        writer.Add(StunAttributeType.UserHash, hash);
    }
}
