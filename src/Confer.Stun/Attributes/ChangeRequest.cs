using System.Buffers.Binary;

namespace Confer.Stun.Attributes;

/// <summary>CHANGE-REQUEST flags (RFC 5780 §7.2): bit "A" asks to change the IP, bit "B" the port.</summary>
[Flags]
public enum ChangeRequestFlags : uint
{
    None = 0,
    ChangePort = 0x2,  // B
    ChangeIP = 0x4,    // A
}

/// <summary>
/// CHANGE-REQUEST (RFC 5780 §7.2): 32 bits, all zero but A (0x4) and B (0x2).
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 A B 0|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public static class ChangeRequest
{
    /// <summary>Reads the flags; unassigned bits are ignored.</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, out ChangeRequestFlags flags)
    {
        flags = ChangeRequestFlags.None;
        if (value.Length != 4) return false;
        flags = (ChangeRequestFlags)(BinaryPrimitives.ReadUInt32BigEndian(value) & 0x6);
        return true;
    }

    public static void AddChangeRequest(this ref StunMessageWriter writer, ChangeRequestFlags flags) =>
        writer.AddUInt32(StunAttributeType.ChangeRequest, (uint)flags & 0x6);
}
