using System.Net;


namespace Confer.Transport;

/// <summary>
/// A way to send bytes to a client: a UDP socket (which needs the destination) or a TCP/TLS
/// connection (which ignores it). Implementations never throw for network errors.
/// </summary>
public interface IClientSink
{
    ClientTransport Transport { get; }

    /// <summary>Sends one message or datagram. Returns false when it was dropped.</summary>
    bool Send(ReadOnlySpan<byte> bytes, SocketAddress destination);
}
