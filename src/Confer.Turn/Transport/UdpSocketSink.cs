using System.Net;
using System.Net.Sockets;
using Confer.Turn.Allocations;

namespace Confer.Turn.Transport;

/// <summary>
/// Sends from one UDP socket. Each SO_REUSEPORT socket of a <see cref="UdpEndpoint"/> answers through its own
/// sink, so a reply leaves from the socket (and the core) that received the request.
/// </summary>
internal sealed class UdpSocketSink(Socket socket) : IClientSink
{
    public ClientTransport Transport => ClientTransport.Udp;

    public bool Send(ReadOnlySpan<byte> bytes, SocketAddress destination) => SendFrom(socket, bytes, destination);

    /// <summary>One datagram; network errors (and a socket closed at shutdown) mean "dropped", never an exception.</summary>
    public static bool SendFrom(Socket socket, ReadOnlySpan<byte> bytes, SocketAddress destination)
    {
        try
        {
            socket.SendTo(bytes, SocketFlags.None, destination);
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
}
