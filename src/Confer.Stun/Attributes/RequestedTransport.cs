namespace Confer.Stun.Attributes;

/// <summary>IP protocol numbers a client may ask TURN to relay (RFC 8656 §18.7, RFC 6062 §6.2).</summary>
public enum TransportProtocol : byte
{
    Tcp = 6,   // TCP (RFC 6062)
    Udp = 17,  // UDP
}

/// <summary>
/// REQUESTED-TRANSPORT (RFC 8656 §18.7): an IP protocol number, then 24 bits reserved.
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |    Protocol   |                    RFFU                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Any protocol byte is returned; the handler answers 442 to those it does not relay.
/// </summary>
public static class RequestedTransport
{
    public static bool TryRead(ReadOnlySpan<byte> value, out TransportProtocol protocol)
    {
        protocol = value.Length == 4 ? (TransportProtocol)value[0] : 0;
        return value.Length == 4;
    }

    public static void AddRequestedTransport(this ref StunMessageWriter writer, TransportProtocol protocol) =>
        writer.AddUInt32(StunAttributeType.RequestedTransport, (uint)protocol << 24);
}
