using Confer.Turn.Tests.Infrastructure;

namespace Confer.Turn.Tests.TurnInterop;

/// <summary>The relay paths <c>turnutils_uclient</c> can take, one per interop test row.</summary>
public enum RelayMode
{
    UdpChannels,        // ChannelBind + ChannelData over UDP
    UdpSendIndications, // -s: CreatePermission + Send/Data indications over UDP
    TcpChannels,        // -t: ChannelData framed over TCP
    TcpSendIndications, // -t -s
    TlsChannels,        // -t -S: TURN over TLS
    TcpRelay,           // -T: RFC 6062 TCP allocations, Connect/ConnectionBind, client to client
    IPv6Relay,          // -x: REQUESTED-ADDRESS-FAMILY IPv6, relayed to the echo peer on ::1
    DualToIPv4Peer,     // -Z: dual allocation (ADDITIONAL-ADDRESS-FAMILY), relayed to the echo peer on 127.0.0.1
    DualToIPv6Peer,     // -Z: dual allocation, relayed to the echo peer on ::1
    RestCredentials,    // -W: REST (shared-secret) credentials, channels over UDP
    HttpsPortTls,       // -t -S to Confer's HTTPS port: TURN over TLS beside HTTPS (uclient offers ALPN http/1.1 and stun.turn)
    HttpsPortTcp,       // -t to Confer's HTTPS port: TURN over plain TCP, told apart from TLS by its first bytes
}

/// <summary>
/// Proof against a client nobody here wrote: coturn's <c>turnutils_uclient</c> relays messages through the server to
/// <c>turnutils_peer</c> (an echo peer) and back, and every message must return. Each row also runs against coturn,
/// which proves the row and the output parsing; Confer rows are listed for the relay paths the server implements.
/// </summary>
public sealed class UclientRelayTests(TurnServers servers) : IClassFixture<TurnServers>
{
    private const int Clients = 2;
    private const int Messages = 30;

    /// <summary>The relay paths the Confer server as merged passes: all of them since RFC 6062 landed.</summary>
    private static readonly RelayMode[] ConferModes = Enum.GetValues<RelayMode>();

    public static TheoryData<TurnServerKind, RelayMode> Cases()
    {
        var data = new TheoryData<TurnServerKind, RelayMode>();
        foreach (var mode in ConferModes) data.Add(TurnServerKind.Confer, mode);
        foreach (var mode in Enum.GetValues<RelayMode>())
            if (mode is not (RelayMode.HttpsPortTls or RelayMode.HttpsPortTcp)) data.Add(TurnServerKind.Coturn, mode); // coturn has no HTTPS port
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Uclient_RelayMode_EveryMessageComesBack(TurnServerKind kind, RelayMode mode)
    {
        Assert.True(TurnutilsUclient.IsInstalled, "turnutils_uclient is missing: test.sh installs coturn.");
        var profile = mode switch
        {
            RelayMode.RestCredentials => TurnProfile.Rest,
            RelayMode.IPv6Relay or RelayMode.DualToIPv4Peer or RelayMode.DualToIPv6Peer => TurnProfile.IPv6Relay, // relays on 127.0.0.1 and ::1
            _ => TurnProfile.LongTerm,
        };
        var server = await servers.GetAsync(kind, profile);
        var peer = await servers.GetPeerAsync();

        var options = Options(mode, server, peer);
        long expected = (long)Clients * Messages;
        // One lossless run is required. A run that lost echoes without any error is repeated once: on a loaded
        // 2-core machine uclient sometimes stops waiting before the last echoes of a TLS run arrive (coturn too).
        var output = await TurnutilsUclient.RunAsync(options);
        string? firstAttempt = null;
        if (!output.IsLossless(expected) && output.Errors.Count == 0 && output.Command.Succeeded && output.SentMessages == expected)
        {
            firstAttempt = $"first attempt lost {output.LostPackets} of {expected}; repeated once.\n";
            output = await TurnutilsUclient.RunAsync(options);
        }

        Assert.True(output.IsLossless(expected),
            $"{firstAttempt}{kind} {mode}: expected {expected} messages sent and received with no loss and no error; got sent={output.SentMessages} " +
            $"received={output.ReceivedMessages} lost={output.LostPackets} errors=[{string.Join(" | ", output.Errors)}]\n{output}\n--- server ---\n{server.Output()}");
        Assert.Equal(expected * options.Length, output.ReceivedBytes);
    }

    private static UclientOptions Options(RelayMode mode, TurnServers.RunningTurnServer server, TurnutilsPeer peer)
    {
        var options = new UclientOptions
        {
            Server = server.EndPoint,
            Peer = peer.IPv4,
            User = TurnServers.User,
            Password = TurnServers.Password,
            Clients = Clients,
            Messages = Messages,
            Length = 200,
        };
        return mode switch
        {
            RelayMode.UdpChannels => options,
            RelayMode.UdpSendIndications => options with { SendIndications = true },
            RelayMode.TcpChannels => options with { Transport = UclientTransport.Tcp },
            RelayMode.TcpSendIndications => options with { Transport = UclientTransport.Tcp, SendIndications = true },
            RelayMode.TlsChannels => options with { Transport = UclientTransport.Tls, Server = server.TlsEndPoint! },
            RelayMode.TcpRelay => options with { TcpRelay = true },
            RelayMode.IPv6Relay => options with { IPv6Relay = true, Peer = peer.IPv6 },
            RelayMode.DualToIPv4Peer => options with { DualAllocation = true },
            RelayMode.DualToIPv6Peer => options with { DualAllocation = true, Peer = peer.IPv6 },
            RelayMode.RestCredentials => options with { Password = null, RestSecret = TurnServers.Secret },
            RelayMode.HttpsPortTls => options with { Transport = UclientTransport.Tls, Server = server.HttpsEndPoint! },
            RelayMode.HttpsPortTcp => options with { Transport = UclientTransport.Tcp, Server = server.HttpsEndPoint! },
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
        };
    }
}
