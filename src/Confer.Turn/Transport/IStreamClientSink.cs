using System.Net.Sockets;
using Confer.Turn.Allocations;

namespace Confer.Turn.Transport;

/// <summary>A TCP or TLS client connection's sink: what ConnectionBind (RFC 6062 §5.4) needs to turn it into a data connection.</summary>
internal interface IStreamClientSink : IClientSink
{
    /// <summary>Set by ConnectionBind: after the frame being handled, the connection is a raw pipe to this peer.</summary>
    DataConnection? Upgraded { get; set; }
}

/// <summary>An RFC 6062 data connection's peer side: the peer's socket and the allocation whose bandwidth cap paces it.</summary>
internal sealed record DataConnection(Socket Peer, Allocation Allocation);
