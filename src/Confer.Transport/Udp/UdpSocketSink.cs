using System.Net;
using System.Net.Sockets;
using Confer.Transport.Engine;
using Confer.Transport.Native;

namespace Confer.Transport.Udp;

/// <summary>
/// Sends from one UDP socket. Each SO_REUSEPORT socket of a <see cref="UdpEndpoint"/> answers through its own
/// sink, so a reply leaves from the socket (and the core) that received the request.
/// </summary>
/// <remarks>
/// A sink made by a batched receive loop queues what its own thread sends (the replies to a batch of requests) and
/// sends them all with one <c>sendmmsg</c> when the loop calls <see cref="Flush"/>. Any other thread (TURN: a relay sending
/// data to the client of an allocation made through this socket) sends at once, as a plain sink does.
/// </remarks>
internal sealed class UdpSocketSink : IEngineSink
{
    private readonly Socket _socket;
    private readonly int _ownerThread;
    private MmsgBuffers? _batch;
    private int _queued;

    /// <summary>A sink of a socket with a thread of its own; <paramref name="engine"/> is the process's, if it runs one.</summary>
    public UdpSocketSink(Socket socket, EpollEngine? engine = null)
    {
        _socket = socket;
        Engine = engine;
        EngineWorker = -1;
    }

    /// <summary>A sink whose sends on the calling thread wait in <paramref name="batch"/> for <see cref="Flush"/>.</summary>
    public UdpSocketSink(Socket socket, MmsgBuffers batch, EpollEngine? engine = null) : this(socket, batch, Environment.CurrentManagedThreadId, engine, -1)
    {
    }

    /// <summary>A sink whose sends on thread <paramref name="ownerThread"/> (an engine worker) wait for <see cref="Flush"/>.</summary>
    public UdpSocketSink(Socket socket, MmsgBuffers batch, int ownerThread, EpollEngine? engine, int engineWorker)
    {
        _socket = socket;
        _batch = batch;
        _ownerThread = ownerThread;
        Engine = engine;
        EngineWorker = engineWorker;
    }

    /// <summary>The process's engine, if it runs one (whether or not it serves this socket).</summary>
    public EpollEngine? Engine { get; }

    /// <summary>
    /// The engine worker that receives this socket's datagrams, or -1. A socket registered for a client of this socket
    /// (TURN: the relay socket of an allocation made through it) goes on the same worker, so both directions of its
    /// traffic are served by one thread and what its peers send queues here for the worker's next <c>sendmmsg</c>.
    /// </summary>
    public int EngineWorker { get; }

    public ClientTransport Transport => ClientTransport.Udp;

    public bool Send(ReadOnlySpan<byte> bytes, SocketAddress destination)
    {
        if (_batch is { } batch && _ownerThread == Environment.CurrentManagedThreadId)
        {
            if (_queued == batch.Count) Flush();
            if (batch.TrySet(_queued, bytes, destination))
            {
                _queued++;
                return true;
            }
            // Too big for a slot: what is queued goes first, so the client sees the order it was sent in.
            Flush();
        }
        return SendFrom(_socket, bytes, destination);
    }

    /// <summary>Sends what the owning thread queued. A datagram the kernel refuses is dropped and the rest still go.</summary>
    public void Flush()
    {
        if (_batch is not { } batch || _queued == 0) return;
        int queued = _queued;
        _queued = 0;
        try
        {
            var handle = _socket.SafeHandle;
            int sent = 0;
            while (sent < queued)
            {
                int n = batch.Send(handle, sent, queued - sent, out int error);
                if (n > 0) sent += n;
                else if (n < 0 && error == Libc.EIntr) continue;
                else sent++; // this one cannot go (unreachable, no buffer space): drop it, send the rest
            }
        }
        catch (ObjectDisposedException)
        {
            // Closed at shutdown: the replies are dropped.
        }
    }

    /// <summary>Called by the owning loop as it ends, before the queue's memory is freed: from now on every send is direct.</summary>
    public void EndBatching()
    {
        Flush();
        Volatile.Write(ref _batch, null);
    }

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
