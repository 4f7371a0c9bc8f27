namespace Confer.Stun;

/// <summary>
/// One attribute of a parsed message: a view into the receive buffer, valid only as long as it is.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Type                  |            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Value (variable)                ....
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// (RFC 8489 §14; the value is padded to a multiple of 4 bytes, padding not counted in Length.)
/// </summary>
public readonly ref struct StunAttribute
{
    public StunAttribute(StunAttributeType type, ReadOnlySpan<byte> value, int offset)
    {
        Type = type;
        Value = value;
        Offset = offset;
    }

    public StunAttributeType Type { get; }

    /// <summary>The value bytes, without padding.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>Offset of the attribute's type field from the start of the message.</summary>
    public int Offset { get; }
}
