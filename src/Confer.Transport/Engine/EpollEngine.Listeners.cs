using System.Net;
using System.Net.Sockets;
using Confer.Transport.Native;
using Confer.Transport.Udp;
using Microsoft.Extensions.Logging;

namespace Confer.Transport.Engine;

/// <summary>
/// A port's UDP sockets (TURN: the STUN/TURN port's) on the engine's workers: socket <c>i</c> of the port's SO_REUSEPORT
/// group goes to worker <c>i mod workers</c>. The kernel sends a client's datagrams to one socket of the group (by the hash
/// of its addresses), so every socket registered for that client (TURN: an allocation's relay socket) is on the same worker (see
/// <see cref="UdpSocketSink.EngineWorker"/>): both directions of its traffic are served by one thread, and the replies
/// and relayed data for clients leave in one <c>sendmmsg</c> per socket at the end of each wake-up.
/// </summary>
public sealed partial class EpollEngine
{
    /// <summary>Serves <paramref name="socket"/> from a worker; null if the engine cannot take it (the caller runs its own thread).</summary>
    internal EngineListener? AddListener(Socket socket, int socketIndex, UdpListenerSet owner, TransportAddress local, int index,
                                       int batchSize, IPacketHandler handler, ILogger logger)
    {
        lock (_lock)
        {
            if (_stopped) return null;
            var worker = _workers[socketIndex % _workers.Length];
            int slot = TakeSlotLocked();
            if (!worker.Add(socket, slot))
            {
                _free.Push(slot);
                return null;
            }
            var listener = new EngineListener(this, socket, worker.Index, worker.ThreadId, owner, local, index, batchSize, handler, logger) { Slot = slot };
            Volatile.Write(ref _slots[slot], listener);
            worker.Listeners = [.. worker.Listeners, listener];
            return listener;
        }
    }

    /// <summary>
    /// Takes a port socket out of its worker's epoll set (call before closing it). Its worker flushes what is queued and
    /// frees its buffers at its next wake-up, which this call brings about; <see cref="EngineListener.Completion"/> ends then.
    /// </summary>
    internal void RemoveListener(EngineListener listener)
    {
        Worker worker;
        lock (_lock)
        {
            if (listener.Slot < 0) return;
            worker = _workers[listener.Worker];
            if (_handlesClosed) return;
            worker.Remove(listener.Socket);
            Volatile.Write(ref _slots[listener.Slot], null);
            _free.Push(listener.Slot);
            listener.Slot = -1;
            listener.Removing = true;
        }
        worker.Wake();
    }

    /// <summary>One port socket served by a worker: its receive batch, its reply batch and the sink that queues into it.</summary>
    internal sealed class EngineListener
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly MmsgBuffers _received;
        private readonly MmsgBuffers _replies;
        private readonly SocketAddress _remote;
        private readonly UdpListenerSet _owner;
        private readonly TransportAddress _local;
        private readonly int _index;
        private readonly int _batchSize;
        private readonly IPacketHandler _handler;
        private readonly ILogger _logger;
        private int _filled;
        private volatile bool _removing;

        public EngineListener(EpollEngine engine, Socket socket, int worker, int workerThread, UdpListenerSet owner, TransportAddress local, int index,
                              int batchSize, IPacketHandler handler, ILogger logger)
        {
            Socket = socket;
            Worker = worker;
            _owner = owner;
            _local = local;
            _index = index;
            _batchSize = batchSize;
            _handler = handler;
            _logger = logger;
            _received = new MmsgBuffers(batchSize, BatchReceiveLoop.ReceiveSlot);
            _replies = new MmsgBuffers(batchSize, BatchReceiveLoop.SendSlot);
            _remote = new SocketAddress(socket.AddressFamily);
            _filled = batchSize;
            Sink = new UdpSocketSink(socket, _replies, workerThread, engine, worker);
        }

        public Socket Socket { get; }

        public int Worker { get; }

        public UdpSocketSink Sink { get; }

        /// <summary>The engine's slot while registered; -1 after <see cref="RemoveListener"/>.</summary>
        public int Slot { get; set; }

        public bool Removing { get => _removing; set => _removing = value; }

        /// <summary>Ends once the worker has let go of the socket and freed the buffers.</summary>
        public Task Completion => _done.Task;

        /// <summary>On the worker: one <c>recvmmsg</c> of what is queued (the socket is non-blocking), each datagram handled.</summary>
        public void Receive()
        {
            if (_removing) return;
            _received.Reset(_filled);
            int n, error;
            try
            {
                n = _received.Receive(Socket.SafeHandle, _batchSize, out error);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            if (n < 0)
            {
                _filled = _batchSize;
                // Nothing queued, or an ICMP error from an earlier reply (port unreachable): epoll says when there is more.
                if (error is not (Libc.EAgain or Libc.EIntr)) BatchReceiveLoop.Log.ReceiveError(_logger, error);
                return;
            }
            _filled = n;
            if (_owner.Stopping) return;
            BatchReceiveLoop.Handle(_received, n, _remote, _local, Sink, _owner, _index, _handler, _logger);
        }

        /// <summary>On the worker, after removal: what is queued goes, every later send is direct, the buffers are freed.</summary>
        public void Retire()
        {
            Sink.EndBatching();
            _received.Dispose();
            _replies.Dispose();
            _done.TrySetResult();
        }
    }
}
