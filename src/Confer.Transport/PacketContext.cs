using System.Net;
using Confer.Transport.Udp;

namespace Confer.Transport;

/// <summary>
/// Where a packet came from and how to answer it: the transport hands this to the packet handler with the
/// bytes. <see cref="ClientAddress"/> may be the transport's reused receive address: copy it to keep it.
/// </summary>
public readonly struct PacketContext(FiveTuple tuple, SocketAddress clientAddress, IClientSink sink, UdpListenerSet? listeners = null, int localIndex = 0)
{
    public FiveTuple Tuple { get; } = tuple;
    public SocketAddress ClientAddress { get; } = clientAddress;
    public IClientSink Sink { get; } = sink;

    /// <summary>The RFC 5780 sockets for UDP (null for TCP/TLS).</summary>
    public UdpListenerSet? Listeners { get; } = listeners;

    /// <summary>Which of <see cref="Listeners"/> received the packet (see <see cref="UdpListenerSet"/>).</summary>
    public int LocalIndex { get; } = localIndex;

    public bool Reply(ReadOnlySpan<byte> bytes) => Sink.Send(bytes, ClientAddress);
}
