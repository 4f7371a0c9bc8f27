using System.IO.Pipelines;
using System.Net.Sockets;

namespace Confer.Transport;

/// <summary>A TCP or TLS client connection's sink: what a handler needs to take the connection out of framing.</summary>
public interface IStreamClientSink : IClientSink
{
    /// <summary>
    /// Set by a handler (TURN: ConnectionBind, RFC 6062 §5.4): after the frame being handled, the connection stops being
    /// framed and carries raw bytes, both ways, through this.
    /// </summary>
    IStreamTakeover? Upgraded { get; set; }
}

/// <summary>What a stream connection becomes after a handler took it over: a raw byte pipe to somewhere else.</summary>
public interface IStreamTakeover
{
    /// <summary>
    /// Over a socket the epoll engine let go of: sends <paramref name="toClient"/> (output still queued for the client) and
    /// <paramref name="fromClient"/> (bytes read after the last frame) first, then copies until either side ends. The
    /// client socket is shut down at the end and left to the caller to dispose.
    /// </summary>
    Task RunAsync(Socket client, byte[] toClient, byte[] fromClient);

    /// <summary>Over a Kestrel connection's pipes: <paramref name="fromClient"/> first, then copies until either side ends.</summary>
    Task RunAsync(IDuplexPipe client, byte[] fromClient, CancellationToken cancellationToken);
}
