using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Confer.Transport.Engine;

/// <summary>
/// Plain TCP on the epoll engine (Linux x64): accepts connections on a port (TURN: the STUN/TURN port) and gives each to an
/// engine worker (<see cref="EngineConnection"/>), which reads, frames, hands over and writes it without Kestrel's pipes or
/// a thread hop. TLS stays on Kestrel. Without an engine, <see cref="TryBind"/> returns null and the host uses Kestrel
/// (<see cref="Streams.StreamConnectionHandler"/>) for TCP too.
/// </summary>
public sealed partial class TcpEngineListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly EpollEngine _engine;
    private readonly ConcurrentDictionary<EngineConnection, byte> _open = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _accepting = Task.CompletedTask;
    private int _disposed;

    private TcpEngineListener(Socket socket, EpollEngine engine)
    {
        _socket = socket;
        _engine = engine;
        EndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Client connections open now (those taken over by a handler, TURN's data connections, included).</summary>
    public int OpenConnections => _open.Count;

    /// <summary>
    /// Binds and listens on <paramref name="bind"/>:<paramref name="port"/> when there is an <paramref name="engine"/>; null
    /// when there is not. Throws <see cref="SocketException"/> when the port is taken.
    /// </summary>
    public static TcpEngineListener? TryBind(EpollEngine? engine, IPAddress bind, int port)
    {
        if (engine is null) return null;
        var socket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (bind.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            // As Kestrel does on Unix: connections left in TIME_WAIT must not keep a restarted server off its port.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(bind, port));
            socket.Listen(512);
            return new TcpEngineListener(socket, engine);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts accepting; every connection is cut into frames by <paramref name="framer"/>, each handed to
    /// <paramref name="handler"/>. With a <paramref name="guard"/>, a connection over its caps is closed as soon as it is
    /// accepted, and the others are closed past their deadlines.
    /// </summary>
    public void Start(IPacketHandler handler, IStreamFramer framer, ILogger logger, Streams.StreamConnectionGuard? guard = null) =>
        _accepting = AcceptAsync(handler, framer, logger, guard);

    private async Task AcceptAsync(IPacketHandler handler, IStreamFramer framer, ILogger logger, Streams.StreamConnectionGuard? guard)
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of descriptors or an aborted handshake: wait a little rather than spin.
                Log.AcceptFailed(logger, e.SocketErrorCode);
                try { await Task.Delay(50, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                continue;
            }
            Serve(client, handler, framer, logger, guard);
        }
    }

    private void Serve(Socket client, IPacketHandler handler, IStreamFramer framer, ILogger logger, Streams.StreamConnectionGuard? guard)
    {
        EngineConnection connection;
        Streams.GuardedConnection? guarded = null;
        try
        {
            if (guard is not null && (guarded = guard.TryAdmit((IPEndPoint)client.RemoteEndPoint!, tls: false)) is null)
            {
                client.LingerState = new LingerOption(true, 0); // a reset: nothing of it lingers here
                client.Dispose();
                return;
            }
            client.NoDelay = true; // messages are small and latency-bound (TURN's), as with Kestrel's default
            connection = new EngineConnection(_engine, client, handler, framer, logger, guarded);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            guarded?.Dispose();
            client.Dispose(); // reset before we could look at it
            return;
        }
        guarded?.Bind(connection.Abort);
        _open[connection] = 0;
        if (!_engine.AddConnection(connection))
        {
            _open.TryRemove(connection, out _);
            guarded?.Dispose();
            client.SafeHandle.DangerousRelease();
            client.Dispose();
            return;
        }
        Log.Connected(logger, connection.Tuple);
        _ = connection.Completion.ContinueWith(static (ended, state) =>
        {
            var (open, c) = ((ConcurrentDictionary<EngineConnection, byte>, EngineConnection))state!;
            open.TryRemove(c, out _);
        }, (_open, connection), TaskScheduler.Default);
        // Stopped meanwhile: this one would be missed by DisposeAsync's sweep.
        if (_stop.IsCancellationRequested) connection.Abort();
    }

    /// <summary>Stops accepting, ends every open connection (the handler hears of each) and waits for them, briefly.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _accepting.ConfigureAwait(false);
        var open = _open.Keys.ToArray();
        foreach (var connection in open) connection.Abort();
        try
        {
            await Task.WhenAll(open.Select(c => c.Completion)).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A worker stuck elsewhere: the process is stopping anyway.
        }
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 210, Level = LogLevel.Debug, Message = "Client connected: {Tuple}")]
        public static partial void Connected(ILogger logger, FiveTuple tuple);

        [LoggerMessage(EventId = 214, Level = LogLevel.Debug, Message = "TCP accept failed: {Error}")]
        public static partial void AcceptFailed(ILogger logger, SocketError error);
    }
}
