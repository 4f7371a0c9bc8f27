using System.Net;

namespace Confer.Turn.Allocations;

/// <summary>
/// Which peers a client may reach through the relay. Safe by default: loopback, private (RFC 1918,
/// fc00::/7), link-local, "this network" 0.0.0.0/8, multicast, broadcast and the cloud metadata address
/// are refused (403 on CreatePermission/ChannelBind) unless loopback peers are allowed or a configured
/// range allows them. Evaluated when a permission is made, never per packet.
/// </summary>
public sealed class PeerPolicy(TurnOptions options)
{
    private static readonly IPNetwork[] Denied =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("ff00::/8"),
    ];

    private static readonly IPNetwork[] Loopback = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];

    public bool IsAllowed(in TransportAddress peer)
    {
        var address = peer.ToIPAddress();
        foreach (var allowed in options.AllowedPeers)
            if (allowed.BaseAddress.AddressFamily == address.AddressFamily && allowed.Contains(address)) return true;
        if (options.AllowLoopbackPeers)
            foreach (var loopback in Loopback)
                if (loopback.BaseAddress.AddressFamily == address.AddressFamily && loopback.Contains(address)) return true;
        foreach (var denied in Denied)
            if (denied.BaseAddress.AddressFamily == address.AddressFamily && denied.Contains(address)) return false;
        return true;
    }
}
