using System.Net;
using Confer.Server.Hosting.Configuration;

namespace Confer.Server.Hosting;

/// <summary>
/// Everything <c>confer serve</c> needs to start. Defaults are the embedded development defaults;
/// CLI flags and configuration override them. Port 0 means "pick a free port" (tests use it).
/// </summary>
public sealed partial class ServerOptions
{
    public bool Dev { get; set; }

    private IPAddress? _bind;

    /// <summary>
    /// Address every listener binds to (<c>--bind</c>). Not given: 127.0.0.1 with <see cref="Dev"/> (dev keys are
    /// public knowledge, so a dev server stays on this machine), else 0.0.0.0.
    /// </summary>
    public IPAddress Bind
    {
        get => _bind ?? (Dev ? IPAddress.Loopback : IPAddress.Any);
        set => _bind = value;
    }

    /// <summary>True when <see cref="Bind"/> was set (<c>--bind</c>) rather than taken from the default.</summary>
    public bool BindGiven => _bind is not null;

    /// <summary>
    /// True when every listener (HTTP, STUN/TURN, the RFC 5780 alternate, the relayed addresses) is on loopback:
    /// nothing on another machine can reach this server.
    /// </summary>
    public bool LoopbackOnly =>
        IPAddress.IsLoopback(Bind) && (AltIP is null || IPAddress.IsLoopback(AltIP))
        && (RelayIP is null || IPAddress.IsLoopback(RelayIP)) && (RelayIPv6 is null || IPAddress.IsLoopback(RelayIPv6));

    /// <summary>
    /// Whether TURN may relay to loopback peers: when asked for (<c>--allow-loopback-peers</c>), or with <see cref="Dev"/>
    /// when <see cref="LoopbackOnly"/>. A dev server bound to a network address refuses them unless asked: otherwise
    /// anyone who reaches it could relay into this host's localhost-only services with the known dev keys.
    /// </summary>
    public bool LoopbackPeersAllowed => AllowLoopbackPeers || (Dev && LoopbackOnly);

    /// <summary>HTTP port for the web app, signaling, API and <c>/healthz</c> (<c>--http-port</c>).</summary>
    public int HttpPort { get; set; } = 7880;

    /// <summary>STUN/TURN port for UDP and TCP (<c>--turn-port</c>).</summary>
    public int TurnPort { get; set; } = 3478;

    /// <summary>
    /// More UDP ports STUN/TURN also listens on (<c>--turn-udp-port</c>, repeatable), like 443 for networks that let out
    /// UDP and TCP to 443 only. Handed to clients as <c>turn:host:PORT?transport=udp</c>; UDP only (TCP 443 is HTTPS's).
    /// </summary>
    public List<int> TurnExtraUdpPorts { get; } = [];

    /// <summary>Second address for RFC 5780 behaviour discovery (<c>--alt-ip</c>); null disables it.</summary>
    public IPAddress? AltIP { get; set; }

    /// <summary>Second port for RFC 5780 (<c>--alt-port</c>); 0 means TurnPort + 1.</summary>
    public int AltPort { get; set; }

    /// <summary>Signaling: API keys, ICE servers to hand out, limits (<c>--keys</c>, <c>--ice-server</c>, <c>--public-host</c>).</summary>
    public Confer.Signaling.SignalingOptions Signaling { get; } = new();

    /// <summary>TURN over TLS port (<c>--turn-tls-port</c>); TLS runs when a certificate is given or in --dev.</summary>
    public int TurnTlsPort { get; set; } = 5349;

    /// <summary>PEM certificate and key for TURN over TLS (<c>--tls-cert</c>, <c>--tls-key</c>).</summary>
    public string? TlsCert { get; set; }
    public string? TlsKey { get; set; }

    /// <summary>Static TURN users as "user:pass" (<c>--turn-user</c>, repeatable).</summary>
    public List<string> TurnUsers { get; } = [];

    /// <summary>Long-term credential realm (<c>--realm</c>).</summary>
    public string Realm { get; set; } = "confer";

    /// <summary>Shared secret for TURN REST credentials (<c>--turn-secret</c>); random per start when empty.</summary>
    public string TurnSecret { get; set; } = "";

    /// <summary>IPv4 address of relayed transport addresses (<c>--relay-ip</c>); default: the bind address.</summary>
    public IPAddress? RelayIP { get; set; }

    /// <summary>
    /// IPv6 address of relayed transport addresses (a second <c>--relay-ip</c>), for IPv6 and dual allocations;
    /// default: with <c>--bind ::</c> an IPv6 address of this host, with an IPv6 <c>--bind</c> that address.
    /// </summary>
    public IPAddress? RelayIPv6 { get; set; }

    /// <summary>Bandwidth cap per TURN allocation, bytes per second each direction (<c>--max-bps</c>); 0 = unlimited; default 2.5 MB/s.</summary>
    public long MaxBytesPerSecond { get; set; } = Confer.Turn.TurnOptions.DefaultMaxBytesPerSecond;

    /// <summary>RFC 6062 TCP relaying (<c>--tcp-relay</c>); off by default (a TCP allocation gets 442).</summary>
    public bool TcpRelay { get; set; }

    /// <summary>Burst over the cap in bytes (<c>--bps-burst</c>); 0 = one second's worth, at least 65536.</summary>
    public long BandwidthBurstBytes { get; set; }

    /// <summary>TURN allocations one user may hold at once (<c>--user-quota</c>; 486 beyond).</summary>
    public int UserQuota { get; set; } = 100;

    /// <summary>TURN allocations the server holds at once (<c>--total-quota</c>; 508 beyond).</summary>
    public int TotalQuota { get; set; } = 10_000;

    /// <summary>Peer TCP connections one RFC 6062 allocation may hold (<c>--tcp-connection-quota</c>; 508 beyond).</summary>
    public int TcpConnectionQuota { get; set; } = 64;

    /// <summary>Relay port range (<c>--relay-ports 49152-65535</c>).</summary>
    public int RelayPortMin { get; set; } = 49152;
    public int RelayPortMax { get; set; } = 65535;

    /// <summary>Allow TURN peers on loopback (<c>--allow-loopback-peers</c>); see <see cref="LoopbackPeersAllowed"/> for --dev.</summary>
    public bool AllowLoopbackPeers { get; set; }

    /// <summary>Peer ranges TURN may relay to despite the default deny list (<c>--allow-peer 10.0.0.0/8</c>, repeatable).</summary>
    public List<string> AllowedPeers { get; } = [];

    /// <summary>
    /// The configuration these options were bound from (file, environment, flags: see docs/configuration.md); the host
    /// reads its sections (Signaling, Transport, Metrics…) from it. Null: the host's own defaults (tests).
    /// </summary>
    public IConfiguration? Configuration { get; set; }

    /// <summary>
    /// A STUN/TURN-only server (<c>--turn-only</c>, replacing coturn): outside --dev it starts without API keys, and
    /// signaling refuses every token. Without it, a server with no API key refuses to start.
    /// </summary>
    public bool TurnOnly { get; set; }

    /// <summary>
    /// The address other machines reach this server at (<c>--public-ip</c>, or discovered through
    /// <see cref="PublicIpStunServer"/> at start): relayed addresses advertise it and ICE server URLs name it.
    /// <see cref="PublicAddresses.None"/> when unknown.
    /// </summary>
    public PublicAddresses PublicIp { get; set; } = PublicAddresses.None;

    /// <summary>host:port of an external STUN server asked for <see cref="PublicIp"/> at start (<c>PublicIp:StunServer</c>).</summary>
    public string? PublicIpStunServer { get; set; }

    /// <summary>Checks the options; returns a sentence that says what to change, or null when they are usable.</summary>
    public string? Validate() => SettingTable.Annotate(ValidateFlags());

    private string? ValidateFlags()
    {
        if (HttpPort is < 0 or > 65535) return $"--http-port {HttpPort} is not a port number (0-65535).";
        if (TurnPort is < 0 or > 65535) return $"--turn-port {TurnPort} is not a port number (0-65535).";
        foreach (int extra in TurnExtraUdpPorts)
        {
            if (extra is < 1 or > 65535) return $"--turn-udp-port {extra} is not a port number (1-65535).";
            if (extra == TurnPort) return $"--turn-udp-port {extra} is --turn-port already: give another port.";
        }
        if (TurnExtraUdpPorts.Distinct().Count() != TurnExtraUdpPorts.Count) return "--turn-udp-port repeats a port: give each port once.";
        if (AltPort is < 0 or > 65535) return $"--alt-port {AltPort} is not a port number (0-65535).";
        if (TurnTlsPort is < 0 or > 65535) return $"--turn-tls-port {TurnTlsPort} is not a port number (0-65535).";
        if ((TlsCert is null) != (TlsKey is null)) return "--tls-cert and --tls-key go together: give both PEM files.";
        if (TlsCert is not null && !File.Exists(TlsCert)) return $"--tls-cert {TlsCert}: no such file.";
        if (TlsKey is not null && !File.Exists(TlsKey)) return $"--tls-key {TlsKey}: no such file.";
        if (ValidateHttps() is { } https) return https;
        if (ValidateAcme() is { } acme) return acme;
        if (ValidateDrain() is { } drain) return drain;
        if (ValidateCluster() is { } cluster) return cluster;
        if (MetricsBindGiven && MetricsPort is null) return "--metrics-bind needs --metrics-port: there is no metrics listener without a port.";
        foreach (var user in TurnUsers)
        {
            int colon = user.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == user.Length - 1) return $"--turn-user '{user}' must look like user:password.";
        }
        if (RelayPortMin is < 1 or > 65535 || RelayPortMax is < 1 or > 65535 || RelayPortMin > RelayPortMax)
            return $"--relay-ports {RelayPortMin}-{RelayPortMax} is not a port range (like 49152-65535).";
        if (string.IsNullOrWhiteSpace(Realm)) return "--realm must not be empty.";
        if (MaxBytesPerSecond is < 0 or > 1_000_000_000_000) return $"--max-bps {MaxBytesPerSecond} must be 0 (unlimited) or bytes per second up to 10^12.";
        if (BandwidthBurstBytes is < 0 or > 1_000_000_000_000) return $"--bps-burst {BandwidthBurstBytes} must be 0 (the default) or bytes up to 10^12.";
        if (BandwidthBurstBytes > 0 && MaxBytesPerSecond == 0) return "--bps-burst needs --max-bps: without a cap there is nothing to burst over.";
        if (UserQuota is < 1 or > 1_000_000) return $"--user-quota {UserQuota} must be between 1 and 1000000 allocations.";
        if (TotalQuota is < 1 or > 1_000_000) return $"--total-quota {TotalQuota} must be between 1 and 1000000 allocations.";
        if (TcpConnectionQuota is < 1 or > 100_000) return $"--tcp-connection-quota {TcpConnectionQuota} must be between 1 and 100000 connections.";
        foreach (var range in AllowedPeers)
            if (!IPNetwork.TryParse(range, out _)) return $"--allow-peer '{range}' is not an address range (like 10.0.0.0/8).";
        if (AltIP is not null && AltIP.Equals(Bind))
            return "--alt-ip must differ from --bind: RFC 5780 needs two addresses.";
        if (AltIP is not null && (Bind.Equals(IPAddress.Any) || Bind.Equals(IPAddress.IPv6Any)))
            return "--alt-ip needs an explicit --bind address (for example --bind 127.0.0.1 --alt-ip 127.0.0.2).";
        return Signaling.Validate();
    }
}
