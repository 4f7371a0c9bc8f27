using System.Net;
using Confer.Sfu.Ice;
using Confer.Transport;
using Microsoft.AspNetCore.Connections;

namespace Confer.Server.Transport;

/// <summary>
/// ICE-TCP on Confer's TCP listeners (RFC 6544, passive side): <see cref="Tls.SharedPort"/> hands over a plain TCP
/// connection whose first bytes <see cref="IceTcpConnection.Probe"/> recognised (an RFC 4571 frame holding a check for a
/// session here), and this serves it as an <see cref="IceTcpConnection"/> until either side ends it or the host stops.
/// </summary>
internal sealed class IceTcpConnections(IceCheckHandler ice, IceSessionTable table, IMediaPacketSink media, ILoggerFactory loggers,
    IHostApplicationLifetime? lifetime = null)
{
    private readonly ILogger _logger = loggers.CreateLogger<IceTcpConnection>();
    private int _open;

    /// <summary>ICE-TCP connections open now.</summary>
    public int Open => Volatile.Read(ref _open);

    public IceTcpProbe Probe(in System.Buffers.ReadOnlySequence<byte> buffer) => IceTcpConnection.Probe(buffer, ice);

    public async Task ServeAsync(ConnectionContext ctx)
    {
        if (ctx.RemoteEndPoint is not IPEndPoint remote || ctx.LocalEndPoint is not IPEndPoint local) return;
        var tuple = new FiveTuple(TransportAddress.FromEndPoint(remote), TransportAddress.FromEndPoint(local), ClientTransport.Tcp);
        var connection = new IceTcpConnection(ice, table, media, tuple, remote.Serialize(), logger: _logger);
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(ctx.ConnectionClosed, lifetime?.ApplicationStopping ?? default);
        Interlocked.Increment(ref _open);
        try
        {
            await connection.RunAsync(ctx.Transport, closed.Token).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }
}
