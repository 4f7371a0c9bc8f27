using System.Net;
using System.Net.Sockets;
using Confer.Transport.Engine;
using Confer.Transport.Native;
using Microsoft.Extensions.Logging;

namespace Confer.Transport.Udp;

/// <summary>
/// The UDP sockets of a port (TURN: the STUN/TURN port). Index bit 1 means "alternate IP", bit 0 "alternate port"
/// (RFC 5780 §4.1: a server with two addresses listens on all four combinations):
/// 0 = (primary IP, primary port), 1 = (primary IP, alternate port), 2 = (alternate IP, primary port),
/// 3 = (alternate IP, alternate port). Only index 0 exists without <c>--alt-ip</c>.
/// </summary>
public sealed partial class UdpListenerSet : IAsyncDisposable
{
    private readonly UdpEndpoint?[] _endpoints;
    private readonly List<Task> _loops = [];
    private readonly List<EpollEngine.EngineListener> _served = [];
    private EpollEngine? _engine;
    private int _disposed;

    private UdpListenerSet(UdpEndpoint?[] endpoints) => _endpoints = endpoints;

    public bool HasAlternate => _endpoints[3] is not null;

    public UdpEndpoint Primary => _endpoints[0]!;

    public UdpEndpoint? this[int index] => (uint)index < 4 ? _endpoints[index] : null;

    public int Port => Primary.EndPoint.Port;

    public int? AltPort => _endpoints[1]?.EndPoint.Port;

    /// <summary>
    /// Binds the sockets. Port 0 picks free ports (retrying when a later bind finds its port taken).
    /// An explicit port in use throws an <see cref="IOException"/> that says which one.
    /// </summary>
    public static UdpListenerSet Bind(IPAddress primary, int port, IPAddress? alternate, int alternatePort, int socketsPerPort)
    {
        for (int attempt = 0; ; attempt++)
        {
            var endpoints = new UdpEndpoint?[4];
            try
            {
                endpoints[0] = new UdpEndpoint(UdpSockets.BindGroup(new IPEndPoint(primary, port), socketsPerPort));
                if (alternate is not null)
                {
                    int p = endpoints[0]!.EndPoint.Port;
                    int ap = alternatePort != 0 ? alternatePort : port != 0 ? port + 1 : 0;
                    endpoints[1] = new UdpEndpoint([UdpSockets.Bind(new IPEndPoint(primary, ap), false)]);
                    ap = endpoints[1]!.EndPoint.Port;
                    endpoints[2] = new UdpEndpoint([UdpSockets.Bind(new IPEndPoint(alternate, p), false)]);
                    endpoints[3] = new UdpEndpoint([UdpSockets.Bind(new IPEndPoint(alternate, ap), false)]);
                }
                return new UdpListenerSet(endpoints);
            }
            catch (IOException) when (port == 0 && attempt < 20)
            {
                foreach (var e in endpoints) e?.Dispose();
            }
            catch
            {
                foreach (var e in endpoints) e?.Dispose();
                throw;
            }
        }
    }

    /// <summary>How many datagrams one <c>recvmmsg</c> takes at most (Linux); 1 means the portable loop everywhere.</summary>
    internal const int DefaultBatchSize = 32;

    /// <summary>
    /// Starts receiving on every socket. With an <paramref name="engine"/> (Linux x64) its workers serve them (one
    /// <c>recvmmsg</c> per socket per wake-up, replies in one <c>sendmmsg</c>), beside the sockets registered for the
    /// clients they serve (TURN: the relay sockets of the allocations made through them). Without one, each socket has a
    /// dedicated thread blocked in the receive call (no epoll wake-up, no thread-pool hop); on 64-bit Linux it takes
    /// datagrams in batches (<see cref="BatchReceiveLoop"/>), elsewhere one <c>recvfrom</c> each.
    /// </summary>
    public void Start(IPacketHandler handler, EpollEngine? engine, ILogger logger) => Start(handler, engine, logger, DefaultBatchSize);

    internal void Start(IPacketHandler handler, EpollEngine? engine, ILogger logger, int batchSize)
    {
        _engine = engine;
        // The engine's workers serve the port's sockets beside the sockets registered with it (EpollEngine.Listeners.cs).
        var serving = batchSize > 1 && Libc.MmsgSupported ? engine : null;
        int socketIndex = 0;
        for (int i = 0; i < 4; i++)
        {
            if (_endpoints[i] is not { } endpoint) continue;
            for (int s = 0; s < endpoint.Sockets.Length; s++, socketIndex++)
            {
                if (serving?.AddListener(endpoint.Sockets[s], socketIndex, this, endpoint.Local, i, batchSize, handler, logger) is { } served)
                {
                    _served.Add(served);
                    _loops.Add(served.Completion);
                    continue;
                }
                var loop = new ReceiveLoop(this, endpoint.Sockets[s], endpoint, i, handler, engine, logger, batchSize);
                var thread = new Thread(loop.Run) { IsBackground = true, Name = $"udp-{endpoint.EndPoint.Port}-{s}" };
                _loops.Add(loop.Completion);
                thread.Start();
            }
        }
    }

    /// <summary>Completes when every receive thread has ended (after <see cref="DisposeAsync"/>).</summary>
    internal Task LoopsEnded => Task.WhenAll(_loops);

    internal bool Stopping => Volatile.Read(ref _disposed) != 0;

    private sealed class ReceiveLoop(UdpListenerSet owner, Socket socket, UdpEndpoint endpoint, int index, IPacketHandler handler, EpollEngine? engine, ILogger logger, int batchSize)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Completion => _done.Task;

        public void Run()
        {
            try
            {
                if (batchSize > 1 && Libc.MmsgSupported)
                {
                    if (BatchReceiveLoop.Run(socket, owner, endpoint.Local, index, batchSize, handler, engine, logger)) return;
                    Log.NoBatchedReceive(logger, endpoint.EndPoint.Port);
                }
                Receive();
            }
            finally
            {
                _done.TrySetResult();
            }
        }

        private void Receive()
        {
            // One buffer, one address and one sink per thread, reused for every datagram.
            var buffer = GC.AllocateUninitializedArray<byte>(65536);
            var remote = new SocketAddress(socket.AddressFamily);
            var local = endpoint.Local;
            var sink = new UdpSocketSink(socket, engine);
            try
            {
                // Closing the socket wakes a blocked receive on Linux; the timeout is the backstop elsewhere.
                socket.ReceiveTimeout = 500;
            }
            catch (SocketException) { }
            catch (ObjectDisposedException) { return; }
            while (!owner.Stopping)
            {
                int received;
                try
                {
                    received = socket.ReceiveFrom(buffer, SocketFlags.None, remote);
                }
                catch (ObjectDisposedException) { break; }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock
                                                    or SocketError.OperationAborted or SocketError.Interrupted)
                {
                    continue;
                }
                catch (SocketException e)
                {
                    if (owner.Stopping) break;
                    // ICMP errors (connection reset, unreachable) surface here on some systems: keep going.
                    Log.ReceiveError(logger, e.SocketErrorCode);
                    continue;
                }
                try
                {
                    var tuple = new FiveTuple(TransportAddress.FromSocketAddress(remote), local, ClientTransport.Udp);
                    handler.OnPacket(buffer.AsSpan(0, received), new PacketContext(tuple, remote, sink, owner, index));
                }
                catch (Exception e)
                {
                    Log.PacketFailed(logger, e);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_served.Count > 0)
        {
            // Out of the engine before the sockets close, so a recycled fd number never reaches this set.
            foreach (var served in _served) _engine?.RemoveListener(served);
            try
            {
                await Task.WhenAll(_served.Select(l => l.Completion)).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A worker stuck in a handler: the sockets still close; its buffers stay until it lets go.
            }
        }
        foreach (var e in _endpoints) e?.Dispose();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A thread still blocked in a receive ends at its receive timeout; it is a background thread.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "UDP receive error {Error}")]
        public static partial void ReceiveError(ILogger logger, SocketError error);

        [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "A UDP packet could not be handled")]
        public static partial void PacketFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "UDP port {Port}: recvmmsg is not available here; receiving one datagram per system call")]
        public static partial void NoBatchedReceive(ILogger logger, int port);
    }
}
