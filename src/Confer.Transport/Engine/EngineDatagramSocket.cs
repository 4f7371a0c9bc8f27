using System.Net;
using System.Net.Sockets;

namespace Confer.Transport.Engine;

/// <summary>
/// Takes the datagrams of a socket registered with the <see cref="EpollEngine"/> (TURN: a relay socket's allocation).
/// </summary>
public interface IDatagramReceiver
{
    /// <summary>
    /// One datagram, on an engine worker: <paramref name="slot"/> holds it at <see cref="EpollEngine.DatagramHeadRoom"/>
    /// (<paramref name="length"/> bytes), with at least <see cref="EpollEngine.DatagramTailRoom"/> free bytes after it; the
    /// receiver may write into the head and tail room. <paramref name="source"/> is reused for the next datagram: copy it to
    /// keep it. Must never block and never throw.
    /// </summary>
    void OnDatagram(Span<byte> slot, int length, SocketAddress source);
}

/// <summary>
/// A datagram socket and its receiver, as the <see cref="EpollEngine"/> serves them: made by the socket's owner before it
/// registers, so an <see cref="EpollEngine.Unregister"/> racing with <see cref="EpollEngine.Register"/> always wins.
/// </summary>
public sealed class EngineDatagramSocket(Socket socket, IDatagramReceiver receiver)
{
    public Socket Socket { get; } = socket;

    public IDatagramReceiver Receiver { get; } = receiver;

    /// <summary>The engine's slot while registered; -1 when not.</summary>
    public int Slot { get; internal set; } = -1;

    /// <summary>The engine worker serving the socket while registered.</summary>
    public int Worker { get; internal set; } = -1;

    /// <summary>Unregistered for good: the worker stops draining it.</summary>
    internal bool Removed { get => _removed; set => _removed = value; }

    private volatile bool _removed;
}
