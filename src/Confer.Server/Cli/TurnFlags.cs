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
    private readonly Option<string?> _relayIp = new("--relay-ip") { Description = "Address of relayed addresses (default: the bind address)." };
    private readonly Option<string?> _relayPorts = new("--relay-ports") { Description = "Relay port range (default 49152-65535)." };
    private readonly Option<bool> _allowLoopback = new("--allow-loopback-peers") { Description = "Let TURN relay to loopback peers (on with --dev)." };
    private readonly Option<string[]> _allowPeers = new("--allow-peer") { Description = "An address range TURN may relay to although it is private or reserved, like 10.0.0.0/8 (repeatable).", AllowMultipleArgumentsPerToken = false };
    private readonly Option<int?> _tlsPort = new("--turn-tls-port") { Description = "TURN over TLS port (default 5349; needs --tls-cert/--tls-key or --dev)." };
    private readonly Option<string?> _tlsCert = new("--tls-cert") { Description = "PEM certificate for TURN over TLS." };
    private readonly Option<string?> _tlsKey = new("--tls-key") { Description = "PEM private key for TURN over TLS." };

    public void AddTo(Command command)
    {
        command.Options.Add(_users);
        command.Options.Add(_realm);
        command.Options.Add(_relayIp);
        command.Options.Add(_relayPorts);
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
        if (parse.GetValue(_relayIp) is { } relayIp)
        {
            if (!IPAddress.TryParse(relayIp, out var address)) return $"--relay-ip '{relayIp}' is not an IP address.";
            options.RelayIP = address;
        }
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
        if (endpoints.Tls is { } tls) Console.WriteLine($"confer: TURN over TLS on {Describe(tls)}");
    }

    private static string Describe(IPEndPoint e) => ConferHost.Describe(e.Address, e.Port);
}
