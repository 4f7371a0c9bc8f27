using System.Net;

namespace Confer.Turn;

/// <summary>
/// STUN/TURN settings with their defaults visible here. Lifetimes follow RFC 8656 §3.2 (allocation
/// 600 s, at most 3600 s), §9 (permission 300 s) and §12 (channel binding 600 s).
/// </summary>
public sealed class TurnOptions
{
    /// <summary>SOFTWARE attribute in every response (RFC 8489 §14.14).</summary>
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
    /// Bandwidth cap per allocation in application bytes per second, each direction on its own
    /// (<c>--max-bps</c>, as coturn's); 0 means unlimited, the default. Excess packets are dropped.
    /// </summary>
    public long MaxBytesPerSecond { get; set; }

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

    /// <summary>Checks the options; returns a sentence that says what to change, or null.</summary>
    public string? Validate()
    {
        if (RelayPortMin is < 1 or > 65535 || RelayPortMax is < 1 or > 65535 || RelayPortMin > RelayPortMax)
            return $"--relay-ports {RelayPortMin}-{RelayPortMax} is not a port range (like 49152-65535).";
        if (string.IsNullOrEmpty(Realm)) return "--realm must not be empty.";
        if (Secret is { Length: 0 }) return "--turn-secret must not be empty.";
        if (MaxBytesPerSecond is < 0 or > 1_000_000_000_000) return $"--max-bps {MaxBytesPerSecond} must be 0 (unlimited) or a rate in bytes per second up to 10^12.";
        if (BandwidthBurstBytes is < 0 or > 1_000_000_000_000) return $"--bps-burst {BandwidthBurstBytes} must be 0 (default) or a number of bytes up to 10^12.";
        return null;
    }
}
