using System.Net;

namespace Confer.Turn;

/// <summary>
/// STUN/TURN settings with their defaults visible here. Lifetimes follow RFC 8656 §3.2 (allocation
/// 600 s, at most 3600 s), §9 (permission 300 s) and §12 (channel binding 600 s).
/// </summary>
public sealed class TurnOptions
{
    /// <summary>SOFTWARE attribute in success responses (RFC 8489 §14.14); error responses go without it (smaller, and they tell a stranger less).</summary>
    public string Software { get; set; } = "Confer";

    /// <summary>REALM for long-term credentials (<c>--realm</c>).</summary>
    public string Realm { get; set; } = "confer";

    /// <summary>Static users, name → password (<c>--turn-user user:pass</c>).</summary>
    public Dictionary<string, string> Users { get; } = new(StringComparer.Ordinal);

    /// <summary>Shared secret for REST credentials (<c>--turn-secret</c>): user "expiry:id", password base64(HMAC-SHA1(secret, user)).</summary>
    public string? Secret { get; set; }

    /// <summary>Address relayed transport addresses use; null means the listening address (<c>--relay-ip</c>).</summary>
    public IPAddress? RelayAddress { get; set; }

    /// <summary>
    /// Relayed IPv6 address, for REQUESTED-ADDRESS-FAMILY IPv6 and the IPv6 half of a dual allocation
    /// (ADDITIONAL-ADDRESS-FAMILY); null means none unless the client reached an IPv6 listening address
    /// (a second <c>--relay-ip</c> with an IPv6 address sets it).
    /// </summary>
    public IPAddress? RelayAddressV6 { get; set; }

    /// <summary>
    /// The address XOR-RELAYED-ADDRESS gives for IPv4 relays instead of the one the relay socket is bound to
    /// (<c>--public-ip</c>). Behind a 1:1 NAT the socket binds a local address the NAT maps to this public one, so the
    /// relayed transport address peers can reach is the public address with the same port (RFC 8656 §7.2 says the
    /// server returns the relayed address peers send to). Null: the bound address.
    /// </summary>
    public IPAddress? AdvertisedRelayAddress { get; set; }

    /// <summary>As <see cref="AdvertisedRelayAddress"/>, for IPv6 relays.</summary>
    public IPAddress? AdvertisedRelayAddressV6 { get; set; }

    /// <summary>The relayed address a client is told: the advertised address of its family with the relay's port, else itself.</summary>
    public Confer.Transport.TransportAddress Advertised(in Confer.Transport.TransportAddress relayed)
    {
        var advertised = relayed.IsIPv6 ? AdvertisedRelayAddressV6 : AdvertisedRelayAddress;
        return advertised is null ? relayed : Confer.Transport.TransportAddress.FromEndPoint(new IPEndPoint(advertised, relayed.Port));
    }

    /// <summary>
    /// Bandwidth cap per allocation in application bytes per second, each direction on its own
    /// (<c>--max-bps</c>, as coturn's); 0 means unlimited. Excess packets are dropped. Default
    /// <see cref="DefaultMaxBytesPerSecond"/>.
    /// </summary>
    public long MaxBytesPerSecond { get; set; } = DefaultMaxBytesPerSecond;

    /// <summary>
    /// Bytes an allocation may send at once above <see cref="MaxBytesPerSecond"/> after a quiet period
    /// (<c>--bps-burst</c>); 0 means one second's worth of the cap, at least 64 KiB so that any datagram fits.
    /// </summary>
    public long BandwidthBurstBytes { get; set; }

    /// <summary>The burst in effect: <see cref="BandwidthBurstBytes"/> or its default.</summary>
    public long EffectiveBurstBytes => BandwidthBurstBytes > 0 ? BandwidthBurstBytes : Math.Max(MaxBytesPerSecond, 65_536);

    /// <summary>Relay ports (<c>--relay-ports 49152-65535</c>).</summary>
    public int RelayPortMin { get; set; } = 49152;
    public int RelayPortMax { get; set; } = 65535;

    public TimeSpan DefaultAllocationLifetime { get; set; } = TimeSpan.FromSeconds(600);
    public TimeSpan MaxAllocationLifetime { get; set; } = TimeSpan.FromSeconds(3600);
    public TimeSpan PermissionLifetime { get; set; } = TimeSpan.FromSeconds(300);
    public TimeSpan ChannelLifetime { get; set; } = TimeSpan.FromSeconds(600);

    /// <summary>How long a NONCE stays valid before a 438 Stale Nonce (RFC 8489 §9.2.4).</summary>
    public TimeSpan NonceLifetime { get; set; } = TimeSpan.FromSeconds(600);

    /// <summary>Allocations one user may hold at once (486 beyond).</summary>
    public int MaxAllocationsPerUser { get; set; } = 100;

    /// <summary>Allocations the server holds at once (508 beyond).</summary>
    public int MaxAllocations { get; set; } = 10_000;

    /// <summary>
    /// Peer TCP connections one RFC 6062 allocation may hold at once, connecting, waiting for ConnectionBind or carrying
    /// data (a Connect beyond gets 508, a peer connecting beyond is closed).
    /// </summary>
    public int MaxTcpConnectionsPerAllocation { get; set; } = 64;

    /// <summary>Allow peers on loopback (<c>--allow-loopback-peers</c>, implied by <c>--dev</c>).</summary>
    public bool AllowLoopbackPeers { get; set; }

    /// <summary>Peer ranges allowed even though they are in the default deny list (configuration <c>Turn:AllowedPeers</c>).</summary>
    public List<IPNetwork> AllowedPeers { get; } = [];

    // --- Abuse limits (issue 13: peer policy, quotas, TCP relaying, bandwidth, unauthenticated answers) ---

    /// <summary>
    /// The default <see cref="MaxBytesPerSecond"/>: 2.5 MB/s (20 Mb/s) each direction. One browser peer connection uses one
    /// allocation; the most it carries is a 1080p camera (Chrome sends up to ~4 Mb/s, with simulcast layers ~5 Mb/s), a 1080p
    /// screen share (up to ~4-8 Mb/s in motion), audio, RTCP and retransmissions: about 12-14 Mb/s sent, and through the SFU
    /// a few such streams received. 20 Mb/s leaves room for that and keeps a stolen credential from being a 1 Gb/s pipe.
    /// </summary>
    public const long DefaultMaxBytesPerSecond = 2_500_000;

    /// <summary>
    /// RFC 6062 TCP relaying (REQUESTED-TRANSPORT TCP, Connect, ConnectionBind; <c>--tcp-relay</c>). Off by default: browsers
    /// never use it, and it makes the server a TCP proxy to anywhere the peer policy allows. Off, a TCP allocation gets 442.
    /// </summary>
    public bool TcpRelay { get; set; }

    /// <summary>Permissions one allocation may hold at once (RFC 8656 §9.2: 508 Insufficient Capacity beyond).</summary>
    public int MaxPermissionsPerAllocation { get; set; } = 128;

    /// <summary>Channel bindings one allocation may hold at once (508 beyond; the numbers alone would allow 16,384).</summary>
    public int MaxChannelsPerAllocation { get; set; } = 128;

    /// <summary>
    /// Error responses to requests that did not authenticate (401, 400, 438) one source IP address gets per second, after a
    /// burst of <see cref="UnauthenticatedBurst"/>; beyond, such requests go unanswered, so the server cannot be made to
    /// reflect traffic at someone. Answered or not, they create no state.
    /// </summary>
    public double UnauthenticatedPerSecond { get; set; } = 16;

    /// <summary>
    /// The burst of <see cref="UnauthenticatedPerSecond"/>: a browser needs one 401 per allocation it makes (a few per peer
    /// connection), and many may share one address behind a NAT. 64 answers of about 136 bytes, then 16 a second, is at
    /// most ~2 KB/s reflected at any one address.
    /// </summary>
    public int UnauthenticatedBurst { get; set; } = 64;

    /// <summary>Source addresses whose unauthenticated answers are counted at once (the table is bounded; beyond, they share one bucket).</summary>
    public int UnauthenticatedSources { get; set; } = 16_384;

    /// <summary>Checks the options; returns a sentence that says what to change, or null.</summary>
    public string? Validate()
    {
        if (RelayPortMin is < 1 or > 65535 || RelayPortMax is < 1 or > 65535 || RelayPortMin > RelayPortMax)
            return $"--relay-ports {RelayPortMin}-{RelayPortMax} is not a port range (like 49152-65535).";
        if (string.IsNullOrEmpty(Realm)) return "--realm must not be empty.";
        if (Secret is { Length: 0 }) return "--turn-secret must not be empty.";
        if (MaxBytesPerSecond is < 0 or > 1_000_000_000_000) return $"--max-bps {MaxBytesPerSecond} must be 0 (unlimited) or a rate in bytes per second up to 10^12.";
        if (BandwidthBurstBytes is < 0 or > 1_000_000_000_000) return $"--bps-burst {BandwidthBurstBytes} must be 0 (default) or a number of bytes up to 10^12.";
        if (MaxPermissionsPerAllocation < 1) return $"Turn:MaxPermissionsPerAllocation {MaxPermissionsPerAllocation} must be at least 1.";
        if (MaxChannelsPerAllocation < 1) return $"Turn:MaxChannelsPerAllocation {MaxChannelsPerAllocation} must be at least 1.";
        if (UnauthenticatedPerSecond <= 0 || UnauthenticatedBurst < 1 || UnauthenticatedSources < 1)
            return "Turn:UnauthenticatedPerSecond, UnauthenticatedBurst and UnauthenticatedSources must be positive.";
        return null;
    }
}
