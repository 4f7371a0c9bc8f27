using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Confer.Turn.Allocations;

/// <summary>
/// Which peers a client may reach through the relay. Safe by default: every range that can reach something internal
/// is refused (403 on CreatePermission, ChannelBind and Connect; dropped for Send and incoming peer TCP connections)
/// unless loopback peers are allowed or a configured range allows it. Judged when a permission or channel is made and
/// when a peer TCP connection arrives, never per relayed packet.
/// </summary>
/// <remarks>
/// The order of the judgement:
/// <list type="number">
/// <item>A relay address of this server on a relay port is allowed: two clients relaying to each other through it.</item>
/// <item>Loopback with <see cref="TurnOptions.AllowLoopbackPeers"/> (<c>--allow-loopback-peers</c>, <c>--dev</c>) is allowed.</item>
/// <item>Any other address of this server (interface addresses, relay and listening addresses) is refused: its other
///   ports are its TURN, HTTP and whatever else listens there.</item>
/// <item>A range in <see cref="TurnOptions.AllowedPeers"/> is allowed.</item>
/// <item>An IPv6 address that carries an IPv4 address is judged by that IPv4 address, as if it had been given:
///   IPv4-mapped ::ffff:0:0/96 and IPv4-compatible ::/96 (RFC 4291 §2.5.5), NAT64 64:ff9b::/96 (RFC 6052) and
///   64:ff9b:1::/48 (RFC 8215: by the last 32 bits in its /96 form 64:ff9b:1::/96; refused otherwise, where the IPv4
///   address could sit anywhere), 6to4 2002::/16
///   (RFC 3056, bits 16-47) and Teredo 2001::/32 (RFC 4380: the server's IPv4 in bits 32-63 and the client's, XORed
///   with 0xffffffff, in the last 32 bits; both must pass).</item>
/// <item>The deny list: IPv4 0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10 (carrier-grade NAT, where a cloud's metadata
///   service lives), 127.0.0.0/8, 169.254.0.0/16 (link-local, metadata 169.254.169.254), 172.16.0.0/12,
///   192.0.0.0/24 (IETF protocol assignments), 192.168.0.0/16, 198.18.0.0/15 (benchmarking), 224.0.0.0/4 (multicast)
///   and 240.0.0.0/4 (reserved, broadcast); IPv6 ::/128, ::1/128, fc00::/7 (unique local), fe80::/10 (link-local),
///   fec0::/10 (site-local) and ff00::/8 (multicast).</item>
/// </list>
/// </remarks>
public sealed class PeerPolicy
{
    private static readonly (uint Prefix, int Length)[] DeniedV4 =
    [
        (0x00000000, 8), (0x0A000000, 8), (0x64400000, 10), (0x7F000000, 8), (0xA9FE0000, 16), (0xAC100000, 12),
        (0xC0000000, 24), (0xC0A80000, 16), (0xC6120000, 15), (0xE0000000, 4), (0xF0000000, 4),
    ];

    private static readonly (UInt128 Prefix, int Length)[] DeniedV6 =
    [
        (UInt128.Zero, 128), (UInt128.One, 128), (V6(0xfc00), 7), (V6(0xfe80), 10), (V6(0xfec0), 10), (V6(0xff00), 8),
    ];

    private static readonly UInt128 Mapped = new(0, 0x0000_FFFF_0000_0000);
    private static readonly UInt128 Nat64 = new(0x0064_ff9b_0000_0000, 0);
    private static readonly UInt128 Nat64Local = new(0x0064_ff9b_0001_0000, 0);
    private static readonly UInt128 SixToFour = V6(0x2002);
    private static readonly UInt128 Teredo = new(0x2001_0000_0000_0000, 0);

    private readonly TurnOptions _options;
    private readonly object _gate = new();
    private HashSet<TransportAddress> _own;
    private HashSet<TransportAddress> _relay;

    /// <param name="localAddresses">This host's addresses; null reads them from the network interfaces.</param>
    public PeerPolicy(TurnOptions options, IEnumerable<IPAddress>? localAddresses = null)
    {
        _options = options;
        _own = [];
        _relay = [];
        foreach (var address in localAddresses ?? InterfaceAddresses()) _own.Add(Key(address));
        // The advertised (public) relay addresses are this server too: peers may reach their relay ports, nothing else.
        foreach (var relay in new[] { options.RelayAddress, options.RelayAddressV6, options.AdvertisedRelayAddress, options.AdvertisedRelayAddressV6 })
        {
            if (relay is null || relay.Equals(IPAddress.Any) || relay.Equals(IPAddress.IPv6Any)) continue;
            _own.Add(Key(relay));
            _relay.Add(Key(relay));
        }
    }

    /// <summary>
    /// Notes a listening address a client reached (an own address) and, with <paramref name="relay"/>, one that relayed
    /// addresses use (an own address whose relay ports are allowed). Unspecified addresses are ignored.
    /// </summary>
    public void AddServerAddress(in TransportAddress address, bool relay = false)
    {
        if (address.Address == UInt128.Zero) return;
        var key = address.IPOnly;
        if (_own.Contains(key) && (!relay || _relay.Contains(key))) return;
        lock (_gate)
        {
            // Copy on write: readers never lock, and addresses are added once each.
            if (!_own.Contains(key)) _own = new HashSet<TransportAddress>(_own) { key };
            if (relay && !_relay.Contains(key)) _relay = new HashSet<TransportAddress>(_relay) { key };
        }
    }

    /// <summary>Whether the address is one of this server's own (interface, listening or relay addresses).</summary>
    public bool IsOwnAddress(in TransportAddress peer) => _own.Contains(peer.IPOnly);

    /// <summary>
    /// Judges a peer. With <paramref name="checkPort"/> (a destination: CreatePermission, ChannelBind, Send, Connect),
    /// this server's relay address is allowed only on a relay port; without it (the source of an incoming peer TCP
    /// connection, whose port is ephemeral) on any port.
    /// </summary>
    public bool IsAllowed(in TransportAddress peer, bool checkPort = true)
    {
        var key = peer.IPOnly;
        if (_relay.Contains(key) && (!checkPort || IsRelayPort(peer.Port))) return true;
        if (_options.AllowLoopbackPeers && IsLoopback(peer)) return true;
        if (_own.Contains(key)) return false;
        if (_options.AllowedPeers.Count > 0)
        {
            var address = peer.ToIPAddress();
            foreach (var allowed in _options.AllowedPeers)
                if (allowed.BaseAddress.AddressFamily == address.AddressFamily && allowed.Contains(address)) return true;
        }
        if (!peer.IsIPv6) return !IsDeniedV4((uint)peer.Address);

        var v6 = peer.Address;
        if (Within(v6, Mapped, 96) || Within(v6, UInt128.Zero, 96) || Within(v6, Nat64, 96)) return IsAllowed(V4(peer, (uint)v6), checkPort);
        // 64:ff9b:1::/48 (RFC 8215) is cut into networks of any RFC 6052 length: the IPv4 address is known to sit in the
        // last 32 bits only in the /96 form (bits 48-95 zero). Any other address in it is refused.
        if (Within(v6, Nat64Local, 48)) return Within(v6, Nat64Local, 96) && IsAllowed(V4(peer, (uint)v6), checkPort);
        if (Within(v6, SixToFour, 16)) return IsAllowed(V4(peer, (uint)(v6 >> 80)), checkPort);
        if (Within(v6, Teredo, 32))
            return IsAllowed(V4(peer, (uint)(v6 >> 64)), checkPort) && IsAllowed(V4(peer, ~(uint)v6), checkPort);
        foreach (var (prefix, length) in DeniedV6)
            if (Within(v6, prefix, length)) return false;
        return true;
    }

    private bool IsRelayPort(ushort port) => port >= _options.RelayPortMin && port <= _options.RelayPortMax;

    // IPv4 loopback inside an IPv6 address is judged when that address is unmapped.
    private static bool IsLoopback(in TransportAddress peer) => peer.IsIPv6 ? peer.Address == UInt128.One : ((uint)peer.Address >> 24) == 127;

    private static bool IsDeniedV4(uint address)
    {
        foreach (var (prefix, length) in DeniedV4)
            if ((address >> (32 - length)) == (prefix >> (32 - length))) return true;
        return false;
    }

    private static bool Within(UInt128 address, UInt128 prefix, int length) => (address >> (128 - length)) == (prefix >> (128 - length));

    private static TransportAddress V4(in TransportAddress peer, uint address) => new(address, peer.Port, false);

    private static UInt128 V6(ushort first) => new((ulong)first << 48, 0);

    private static TransportAddress Key(IPAddress address) => TransportAddress.FromEndPoint(new IPEndPoint(address, 0));

    private static IEnumerable<IPAddress> InterfaceAddresses()
    {
        var addresses = new List<IPAddress>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                    if (unicast.Address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6) addresses.Add(unicast.Address);
        }
        catch (NetworkInformationException)
        {
            // No interface list here: the configured and listening addresses still count as own.
        }
        return addresses;
    }
}
