using System.CommandLine;
using System.Net;
using Confer.Server.Hosting;
using Confer.Server.Turn;

namespace Confer.Server.Cli;

/// <summary>The STUN/TURN flags of <c>confer serve</c> (besides --turn-port, --alt-ip, --alt-port).</summary>
internal sealed class TurnFlags
{
    private readonly Option<string[]> _users = new("--turn-user") { Description = "A TURN user as user:password (repeatable).", AllowMultipleArgumentsPerToken = false };
    private readonly Option<string?> _realm = new("--realm") { Description = "Realm for TURN long-term credentials (default confer)." };
    private readonly Option<string[]> _relayIp = new("--relay-ip") { Description = "Address of relayed addresses, one IPv4 and one IPv6 at most (repeatable; default: the bind address, and with --bind :: also an IPv6 address of this host).", AllowMultipleArgumentsPerToken = false };
    private readonly Option<long?> _maxBps = new("--max-bps") { Description = "Bandwidth cap per TURN allocation in bytes per second, each direction (default 2500000, 20 Mb/s; 0: unlimited)." };
    private readonly Option<long?> _bpsBurst = new("--bps-burst") { Description = "Bytes an allocation may send at once over --max-bps (default: one second's worth, at least 65536)." };
    private readonly Option<int?> _userQuota = new("--user-quota") { Description = "TURN allocations one user may hold at once (default 100; 486 beyond)." };
    private readonly Option<int?> _totalQuota = new("--total-quota") { Description = "TURN allocations the server holds at once (default 10000; 508 beyond)." };
    private readonly Option<int?> _tcpQuota = new("--tcp-connection-quota") { Description = "Peer TCP connections one RFC 6062 TCP allocation may hold at once (default 64; 508 beyond)." };
    private readonly Option<bool> _tcpRelay = new("--tcp-relay") { Description = "Allow RFC 6062 TCP relaying (TCP allocations, Connect); off by default, browsers never use it." };
    private readonly Option<string?> _relayPorts = new("--relay-ports") { Description = "Relay port range (default 49152-65535)." };
    private readonly Option<bool> _allowLoopback = new("--allow-loopback-peers") { Description = "Let TURN relay to loopback peers (on with --dev)." };
    private readonly Option<string[]> _allowPeers = new("--allow-peer") { Description = "An address range TURN may relay to although it is private or reserved, like 10.0.0.0/8 (repeatable).", AllowMultipleArgumentsPerToken = false };
    private readonly Option<int?> _tlsPort = new("--turn-tls-port") { Description = "TURN over TLS port (default 5349; needs --tls-cert/--tls-key or --dev)." };
    private readonly Option<string?> _tlsCert = new("--tls-cert") { Description = "PEM certificate (with its intermediates) for HTTPS and TURN over TLS; reloaded when the file changes." };
    private readonly Option<string?> _tlsKey = new("--tls-key") { Description = "PEM private key of --tls-cert." };

    public void AddTo(Command command)
    {
        command.Options.Add(_users);
        command.Options.Add(_realm);
        command.Options.Add(_relayIp);
        command.Options.Add(_relayPorts);
        command.Options.Add(_maxBps);
        command.Options.Add(_bpsBurst);
        command.Options.Add(_userQuota);
        command.Options.Add(_totalQuota);
        command.Options.Add(_tcpQuota);
        command.Options.Add(_tcpRelay);
        command.Options.Add(_allowLoopback);
        command.Options.Add(_allowPeers);
        command.Options.Add(_tlsPort);
        command.Options.Add(_tlsCert);
        command.Options.Add(_tlsKey);
    }

    /// <summary>Copies the flags into <paramref name="options"/>; returns an error sentence or null.</summary>
    public string? Apply(ParseResult parse, ServerOptions options)
    {
        options.TurnUsers.AddRange(parse.GetValue(_users) ?? []);
        if (parse.GetValue(_realm) is { } realm) options.Realm = realm;
        foreach (var relayIp in parse.GetValue(_relayIp) ?? [])
        {
            if (!IPAddress.TryParse(relayIp, out var address)) return $"--relay-ip '{relayIp}' is not an IP address.";
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            bool v6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            if ((v6 ? options.RelayIPv6 : options.RelayIP) is { } taken)
                return $"--relay-ip {relayIp}: {taken} is already the {(v6 ? "IPv6" : "IPv4")} relay address; give at most one of each family.";
            if (v6) options.RelayIPv6 = address; else options.RelayIP = address;
        }
        if (parse.GetValue(_maxBps) is { } maxBps) options.MaxBytesPerSecond = maxBps;
        if (parse.GetValue(_bpsBurst) is { } burst) options.BandwidthBurstBytes = burst;
        if (parse.GetValue(_userQuota) is { } userQuota) options.UserQuota = userQuota;
        if (parse.GetValue(_totalQuota) is { } totalQuota) options.TotalQuota = totalQuota;
        if (parse.GetValue(_tcpQuota) is { } tcpQuota) options.TcpConnectionQuota = tcpQuota;
        options.TcpRelay |= parse.GetValue(_tcpRelay);
        if (parse.GetValue(_relayPorts) is { } range)
        {
            var parts = range.Split('-');
            if (parts.Length != 2 || !int.TryParse(parts[0], out int min) || !int.TryParse(parts[1], out int max))
                return $"--relay-ports '{range}' must look like 49152-65535.";
            options.RelayPortMin = min;
            options.RelayPortMax = max;
        }
        options.AllowLoopbackPeers |= parse.GetValue(_allowLoopback);
        options.AllowedPeers.AddRange(parse.GetValue(_allowPeers) ?? []);
        if (parse.GetValue(_tlsPort) is { } tlsPort) options.TurnTlsPort = tlsPort;
        options.TlsCert = parse.GetValue(_tlsCert);
        options.TlsKey = parse.GetValue(_tlsKey);
        return null;
    }

    public static void PrintEndpoints(TurnEndpoints endpoints)
    {
        Console.WriteLine($"confer: STUN/TURN on udp+tcp {Describe(endpoints.Primary)}");
        if (endpoints.Other is { } other) Console.WriteLine($"confer: RFC 5780 alternate address {Describe(other)}");
        if (endpoints.Tls is { } tls) Console.WriteLine($"confer: TURN over TLS on {Describe(tls)} (turns: URLs for WebRTC clients, not a web page)");
    }

    private static string Describe(IPEndPoint e) => ConferHost.Describe(e.Address, e.Port);
}
