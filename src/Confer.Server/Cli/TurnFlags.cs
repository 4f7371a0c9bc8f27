using System.CommandLine;
using System.Globalization;
using System.Net;
using Confer.Server.Hosting;
using Confer.Server.Hosting.Configuration;
using Confer.Server.Turn;

namespace Confer.Server.Cli;

/// <summary>The STUN/TURN settings of <c>confer serve</c> (rows of <see cref="SettingTable"/>).</summary>
internal sealed class TurnFlags
{
    public static readonly Setting[] Settings =
    [
        Setting.Port("Turn:Port", "--turn-port", "STUN/TURN port, UDP and TCP.", o => o.TurnPort, (o, v) => o.TurnPort = v),
        Setting.List("Turn:UdpPorts", "--turn-udp-port", "Another UDP port STUN/TURN also listens on, like 443 for a network that lets out only UDP and TCP to 443 (repeatable); clients are handed turn:HOST:PORT?transport=udp for it.", o => o.TurnExtraUdpPorts.Select(p => p.ToString(CultureInfo.InvariantCulture)), AddUdpPort),
        Setting.Address("Turn:AltIp", "--alt-ip", "Second address for RFC 5780 NAT behaviour discovery.", o => o.AltIP, (o, v) => o.AltIP = v),
        Setting.Port("Turn:AltPort", "--alt-port", "Second port for RFC 5780 (0: turn port + 1).", o => o.AltPort, (o, v) => o.AltPort = v),
        Setting.List("Turn:Users", "--turn-user", "A TURN user as user:password (repeatable).", o => o.TurnUsers.Select(u => u[..Math.Max(0, u.IndexOf(':', StringComparison.Ordinal))] + ":****"), AddUser).AsSecret(),
        Setting.Text("Turn:Realm", "--realm", "Realm for TURN long-term credentials.", o => o.Realm, (o, v) => o.Realm = v),
        Setting.List("Turn:RelayIps", "--relay-ip", "Address relay sockets bind to, one IPv4 and one IPv6 at most (repeatable; default: the bind address, and with --bind :: also an IPv6 address of this host).", o => new[] { o.RelayIP, o.RelayIPv6 }.OfType<IPAddress>().Select(a => a.ToString()), AddRelayIp),
        Setting.Custom("Turn:RelayPorts", "--relay-ports", "Relay port range.", o => $"{o.RelayPortMin}-{o.RelayPortMax}", SetRelayPorts),
        Setting.Long("Turn:MaxBps", "--max-bps", "Bandwidth cap per TURN allocation in bytes per second, each direction (0: unlimited).", o => o.MaxBytesPerSecond, (o, v) => o.MaxBytesPerSecond = v),
        Setting.Long("Turn:BpsBurst", "--bps-burst", "Bytes an allocation may send at once over --max-bps (0: one second's worth, at least 65536).", o => o.BandwidthBurstBytes, (o, v) => o.BandwidthBurstBytes = v),
        Setting.Int("Turn:UserQuota", "--user-quota", "TURN allocations one user may hold at once (486 beyond).", o => o.UserQuota, (o, v) => o.UserQuota = v),
        Setting.Int("Turn:TotalQuota", "--total-quota", "TURN allocations the server holds at once (508 beyond); the relay range must hold as many ports.", o => o.TotalQuota, (o, v) => o.TotalQuota = v),
        Setting.Int("Turn:TcpConnectionQuota", "--tcp-connection-quota", "Peer TCP connections one RFC 6062 TCP allocation may hold at once (508 beyond).", o => o.TcpConnectionQuota, (o, v) => o.TcpConnectionQuota = v),
        Setting.Switch("Turn:TcpRelay", "--tcp-relay", "Allow RFC 6062 TCP relaying (TCP allocations, Connect); browsers never use it.", o => o.TcpRelay, (o, v) => o.TcpRelay = v),
        Setting.Switch("Turn:AllowLoopbackPeers", "--allow-loopback-peers", "Let TURN relay to loopback peers (on with --dev on loopback).", o => o.AllowLoopbackPeers, (o, v) => o.AllowLoopbackPeers = v),
        Setting.List("Turn:AllowPeers", "--allow-peer", "An address range TURN may relay to although it is private or reserved, like 10.0.0.0/8 (repeatable).", o => o.AllowedPeers, (o, v) => { o.AllowedPeers.Add(v); return null; }),
        Setting.Port("Turn:TlsPort", "--turn-tls-port", "TURN over TLS port (needs --tls-cert/--tls-key or --dev). The HTTPS port serves TURN over TLS and TCP too; this equal to --https-port means that one listener only.", o => o.TurnTlsPort, (o, v) => o.TurnTlsPort = v),
        Setting.Text("Tls:Cert", "--tls-cert", "PEM certificate (with its intermediates) for HTTPS and TURN over TLS; reloaded when the file changes.", o => o.TlsCert, (o, v) => o.TlsCert = v),
        Setting.Text("Tls:Key", "--tls-key", "PEM private key of --tls-cert.", o => o.TlsKey, (o, v) => o.TlsKey = v),
    ];

    private readonly SettingFlags _flags = new(Settings);

    public void AddTo(Command command) => _flags.AddTo(command);

    /// <summary>Copies the flags alone into <paramref name="options"/>; returns an error sentence or null.</summary>
    public string? Apply(ParseResult parse, ServerOptions options) => _flags.Apply(parse, options);

    private static string? AddUser(ServerOptions options, string user)
    {
        int colon = user.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == user.Length - 1) return "must look like user:password";
        options.TurnUsers.Add(user);
        return null;
    }

    private static string? AddUdpPort(ServerOptions options, string text)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            return "is not a port number (1-65535)";
        options.TurnExtraUdpPorts.Add(port);
        return null;
    }

    private static string? AddRelayIp(ServerOptions options, string text)
    {
        if (!IPAddress.TryParse(text.Trim(), out var address)) return "is not an IP address";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        bool v6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        if ((v6 ? options.RelayIPv6 : options.RelayIP) is { } taken)
            return $"repeats a family: {taken} is already the {(v6 ? "IPv6" : "IPv4")} relay address; give at most one of each family";
        if (v6) options.RelayIPv6 = address; else options.RelayIP = address;
        return null;
    }

    private static string? SetRelayPorts(ServerOptions options, string range)
    {
        var parts = range.Split('-');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int min) || !int.TryParse(parts[1], out int max))
            return "must look like 49152-65535";
        options.RelayPortMin = min;
        options.RelayPortMax = max;
        return null;
    }

    public static void PrintEndpoints(TurnEndpoints endpoints)
    {
        Console.WriteLine($"confer: STUN/TURN on udp+tcp {Describe(endpoints.Primary)}");
        foreach (var extra in endpoints.ExtraUdp) Console.WriteLine($"confer: STUN/TURN also on udp {Describe(extra)}");
        if (endpoints.Other is { } other) Console.WriteLine($"confer: RFC 5780 alternate address {Describe(other)}");
        if (endpoints.Tls is { } tls) Console.WriteLine($"confer: TURN over TLS on {Describe(tls)} (turns: URLs for WebRTC clients, not a web page)");
    }

    private static string Describe(IPEndPoint e) => ConferHost.Describe(e.Address, e.Port);
}
