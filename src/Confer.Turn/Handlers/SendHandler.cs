using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Turn.Allocations;
using Confer.Turn.Transport;

namespace Confer.Turn.Handlers;

/// <summary>
/// Client → peer without a channel: Send indications (RFC 8656 §10.2). Indications get no answer;
/// without an allocation, a permission, or with anything malformed, the data is dropped. A permission is per IP, so
/// for one of the server's own addresses (allowed only on a relay port, PeerPolicy) the port is checked here too;
/// other peers were judged when their permission was made, and are not judged again per packet.
/// </summary>
internal sealed class SendHandler(TurnContext turn)
{
    public void Handle(in StunMessage indication, in PacketContext context)
    {
        if (!turn.Allocations.TryGet(context.Tuple, out var allocation)) { turn.Metrics.Dropped("no_allocation"); return; }
        if (!indication.TryGetAttribute(StunAttributeType.XorPeerAddress, out var peerValue) ||
            !indication.TryGetAttribute(StunAttributeType.Data, out var data) ||
            !TransportAddressStun.TryReadAddress(peerValue, xor: true, indication.TransactionId, out var peer))
        {
            turn.Metrics.Dropped("malformed");
            return;
        }
        long now = turn.Now;
        if (!allocation.HasFamily(peer.IsIPv6, now) || !allocation.IsPermitted(peer, now))
        {
            turn.Metrics.Dropped("no_permission");
            return;
        }
        if (allocation.PermitsOwnAddress && turn.Policy.IsOwnAddress(peer) && !turn.Policy.IsAllowed(peer))
        {
            turn.Metrics.Dropped("peer_forbidden");
            return;
        }
        allocation.SendToPeer(data, PeerAddresses.For(peer, peer.Family));
    }
}

/// <summary>Per-thread scratch socket addresses, so sending to an arbitrary peer allocates nothing.</summary>
internal static class PeerAddresses
{
    [ThreadStatic] private static SocketAddress? s_v4;
    [ThreadStatic] private static SocketAddress? s_v6;

    public static SocketAddress For(in TransportAddress peer, AddressFamily family)
    {
        if (family == AddressFamily.InterNetwork)
        {
            var a = s_v4 ??= new IPEndPoint(IPAddress.Any, 0).Serialize();
            peer.WriteTo(a);
            return a;
        }
        var b = s_v6 ??= new IPEndPoint(IPAddress.IPv6Any, 0).Serialize();
        peer.WriteTo(b);
        return b;
    }
}
