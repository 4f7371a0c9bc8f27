namespace Confer.Stun.Attributes;

/// <summary>
/// EVEN-PORT (RFC 8656 §18.6): one byte, its top bit R asks the server to also reserve the next port.
/// <code>
/// +-+-+-+-+-+-+-+-+
/// |R|    RFFU     |
/// +-+-+-+-+-+-+-+-+
/// </code>
/// The value is 1 byte long (3 bytes of attribute padding follow).
/// </summary>
public static class EvenPort
{
    public static bool TryRead(ReadOnlySpan<byte> value, out bool reserveNext)
    {
        reserveNext = value.Length == 1 && (value[0] & 0x80) != 0;
        return value.Length == 1;
    }

    public static void AddEvenPort(this ref StunMessageWriter writer, bool reserveNext) =>
        writer.Reserve(StunAttributeType.EvenPort, 1)[0] = reserveNext ? (byte)0x80 : (byte)0;
}
