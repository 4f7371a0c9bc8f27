using System.Net;
using System.Net.Sockets;
using Confer.Turn.Allocations;
using Microsoft.Extensions.Logging;

namespace Confer.Turn.Transport;

/// <summary>
/// The UDP sockets of the STUN/TURN port. Index bit 1 means "alternate IP", bit 0 "alternate port"
/// (RFC 5780 §4.1: a server with two addresses listens on all four combinations):
/// 0 = (primary IP, primary port), 1 = (primary IP, alternate port), 2 = (alternate IP, primary port),
/// 3 = (alternate IP, alternate port). Only index 0 exists without <c>--alt-ip</c>.
/// </summary>
public sealed partial class UdpListenerSet : IAsyncDisposable
{
    private readonly UdpEndpoint?[] _endpoints;
    private readonly List<Task> _loops = [];
    private CancellationTokenSource? _stop;
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

    /// <summary>Starts one receive loop per socket.</summary>
    public void Start(IPacketHandler handler, ILogger logger)
    {
        _stop = new CancellationTokenSource();
        for (int i = 0; i < 4; i++)
        {
            if (_endpoints[i] is not { } endpoint) continue;
            foreach (var socket in endpoint.Sockets)
            {
                int index = i;
                _loops.Add(Task.Run(() => ReceiveLoopAsync(socket, endpoint, index, handler, logger, _stop.Token)));
            }
        }
    }

    private async Task ReceiveLoopAsync(Socket socket, UdpEndpoint endpoint, int index, IPacketHandler handler, ILogger logger, CancellationToken ct)
    {
        // One buffer and one address per loop, reused for every datagram.
        var buffer = GC.AllocateUninitializedArray<byte>(65536, pinned: true);
        var remote = new SocketAddress(socket.AddressFamily);
        var local = endpoint.Local;
        while (!ct.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, remote, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { break; }
            catch (ObjectDisposedException) { break; }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                if (ct.IsCancellationRequested) break;
                continue;
            }
            catch (SocketException e)
            {
                // ICMP errors (connection reset, unreachable) surface here on some systems: keep going.
                Log.ReceiveError(logger, e.SocketErrorCode);
                continue;
            }
            try
            {
                var tuple = new FiveTuple(TransportAddress.FromSocketAddress(remote), local, ClientTransport.Udp);
                handler.OnPacket(buffer.AsSpan(0, received), new PacketContext(tuple, remote, endpoint, this, index));
            }
            catch (Exception e)
            {
                Log.PacketFailed(logger, e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_stop is not null) await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var e in _endpoints) e?.Dispose();
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Loops end on cancellation; nothing to report at shutdown.
        }
        _stop?.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "UDP receive error {Error}")]
        public static partial void ReceiveError(ILogger logger, SocketError error);

        [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "A UDP packet could not be handled")]
        public static partial void PacketFailed(ILogger logger, Exception exception);
    }
}
