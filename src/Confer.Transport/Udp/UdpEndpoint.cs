using System.Net;
using System.Net.Sockets;

namespace Confer.Transport.Udp;

/// <summary>
/// One local UDP transport address served by one or more sockets (several with SO_REUSEPORT on Linux,
/// so the kernel spreads clients over one receive thread per core). Replies to a request leave from the
/// socket that received it (<see cref="UdpSocketSink"/>); sends through the endpoint itself (relayed data
/// for an allocation) use the first socket. Every socket of the group has the same address and port.
/// </summary>
public sealed class UdpEndpoint : IClientSink, IDisposable
{
    internal UdpEndpoint(Socket[] sockets)
    {
        Sockets = sockets;
        var local = (IPEndPoint)sockets[0].LocalEndPoint!;
        EndPoint = local;
        Local = TransportAddress.FromEndPoint(local);
    }

    internal Socket[] Sockets { get; }

    public IPEndPoint EndPoint { get; }

    public TransportAddress Local { get; }

    public ClientTransport Transport => ClientTransport.Udp;

    public bool Send(ReadOnlySpan<byte> bytes, SocketAddress destination) => UdpSocketSink.SendFrom(Sockets[0], bytes, destination);

    public void Dispose()
    {
        foreach (var socket in Sockets) socket.Dispose();
    }
}
