namespace Confer.Transport;

/// <summary>How a client reaches the server (RFC 8656 §3.1: UDP, TCP or TLS-over-TCP).</summary>
public enum ClientTransport : byte { Udp, Tcp, Tls }

/// <summary>
/// The 5-tuple that names a client's flow (RFC 8656 §2, where it names an allocation): client transport address,
/// server transport address and transport protocol. A value type, so lookups on the packet path allocate nothing.
/// </summary>
public readonly record struct FiveTuple(TransportAddress Client, TransportAddress Server, ClientTransport Transport)
{
    public override string ToString() => $"{Transport} {Client}->{Server}";
}
