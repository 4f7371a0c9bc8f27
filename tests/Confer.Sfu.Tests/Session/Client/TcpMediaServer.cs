using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Confer.Sfu.Ice;

namespace Confer.Sfu.Tests.Session.Client;

/// <summary>
/// A real TCP listener on 127.0.0.1 serving every accepted connection as an <see cref="IceTcpConnection"/> (ICE-TCP
/// passive, RFC 6544), as the HTTPS port does once its first bytes were recognised. Connections are kept for asserts.
/// </summary>
internal sealed class TcpMediaServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly IceCheckHandler _ice;
    private readonly IceSessionTable _table;
    private readonly IMediaPacketSink _media;
    private readonly IceTcpLimits? _limits;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private long _faults;

    public TcpMediaServer(IceSessionTable table, IMediaPacketSink media, IceTcpLimits? limits = null)
    {
        _table = table;
        _media = media;
        _limits = limits;
        _ice = new IceCheckHandler(table);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _accept = AcceptAsync();
    }

    public IPEndPoint EndPoint { get; }

    public ConcurrentQueue<IceTcpConnection> Connections { get; } = new();

    public ConcurrentQueue<Task> Runs { get; } = new();

    /// <summary>Exceptions that escaped a connection's run (there must be none).</summary>
    public long Faults => Interlocked.Read(ref _faults);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            var remote = (IPEndPoint)socket.RemoteEndPoint!;
            var tuple = new FiveTuple(TransportAddress.FromEndPoint(remote), TransportAddress.FromEndPoint((IPEndPoint)socket.LocalEndPoint!), ClientTransport.Tcp);
            var connection = new IceTcpConnection(_ice, _table, _media, tuple, remote.Serialize(), _limits);
            Connections.Enqueue(connection);
            Runs.Enqueue(RunAsync(connection, socket));
        }
    }

    private async Task RunAsync(IceTcpConnection connection, Socket socket)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var pipe = new StreamPipe(PipeReader.Create(stream), PipeWriter.Create(stream));
        try
        {
            await connection.RunAsync(pipe, _stop.Token);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref _faults);
        }
    }

    private sealed record StreamPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            Task.WaitAll([_accept, .. Runs], TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }
}
