using System.Net;
using System.Net.Sockets;
using Confer.Turn.Allocations;

namespace Confer.Turn.Transport;

/// <summary>
/// One local UDP transport address served by one or more sockets (several with SO_REUSEPORT on Linux,
/// so the kernel spreads clients over one receive loop per core). Replies leave from the first socket;
/// every socket of the group has the same source address and port.
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

    public bool Send(ReadOnlySpan<byte> bytes, SocketAddress destination)
    {
        try
        {
            Sockets[0].SendTo(bytes, SocketFlags.None, destination);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (var socket in Sockets) socket.Dispose();
    }
}
