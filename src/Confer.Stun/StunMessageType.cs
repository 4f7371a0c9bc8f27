namespace Confer.Stun;

/// <summary>
/// The 14-bit message type: a 12-bit method interleaved with a 2-bit class (RFC 8489 §5).
/// <code>
///  0                 1
///  2  3  4 5 6 7 8 9 0 1 2 3 4 5
/// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
/// |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
/// |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
/// +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly record struct StunMessageType(StunMethod Method, StunClass Class)
{
    public static StunMessageType BindingRequest => new(StunMethod.Binding, StunClass.Request);
    public static StunMessageType BindingSuccess => new(StunMethod.Binding, StunClass.SuccessResponse);

    /// <summary>Encodes to the 16-bit wire value (top two bits zero).</summary>
    public ushort ToWire()
    {
        var m = (int)Method;
        var c = (int)Class;
        return (ushort)((m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 0b01) << 4) | ((c & 0b10) << 7));
    }

    /// <summary>Decodes a wire value whose top two bits are zero.</summary>
    public static StunMessageType FromWire(ushort value)
    {
        var m = (value & 0x000F) | ((value >> 1) & 0x0070) | ((value >> 2) & 0x0F80);
        var c = ((value >> 4) & 0b01) | ((value >> 7) & 0b10);
        return new StunMessageType((StunMethod)m, (StunClass)c);
    }

    /// <summary>The response type matching this request, with the given class.</summary>
    public StunMessageType WithClass(StunClass @class) => new(Method, @class);

    public override string ToString() => $"{Method} {Class}";
}
