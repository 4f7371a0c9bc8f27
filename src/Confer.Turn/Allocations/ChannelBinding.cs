using System.Net;

namespace Confer.Turn.Allocations;

/// <summary>A channel number bound to a peer transport address (RFC 8656 §12), with its expiry in UTC ticks.</summary>
public sealed class ChannelBinding(ushort number, TransportAddress peer, SocketAddress peerSocketAddress)
{
    public ushort Number { get; } = number;
    public TransportAddress Peer { get; } = peer;

    /// <summary>The peer as the relay socket sends to it, made once at bind time.</summary>
    public SocketAddress PeerSocketAddress { get; } = peerSocketAddress;

    private long _expires;
    public long ExpiresTicks { get => Volatile.Read(ref _expires); set => Volatile.Write(ref _expires, value); }
}
