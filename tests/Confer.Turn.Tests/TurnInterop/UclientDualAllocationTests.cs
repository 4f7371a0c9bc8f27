namespace Confer.Turn.Tests.TurnInterop;

/// <summary>
/// Dual allocations (RFC 8656 §7.2, ADDITIONAL-ADDRESS-FAMILY) with coturn's own client: <c>turnutils_uclient -Z</c>
/// asks for an IPv4 and an IPv6 relayed address in one Allocate and relays to the echo peer of either family; every
/// message must come back. The same rows against coturn prove the test.
/// </summary>
public sealed class UclientDualAllocationTests(TurnServers servers) : IClassFixture<TurnServers>
{
    private const int Clients = 2;
    private const int Messages = 20;

    public static TheoryData<TurnServerKind, bool> Cases() => new()
    {
        { TurnServerKind.Confer, false }, { TurnServerKind.Confer, true },
        { TurnServerKind.Coturn, false }, { TurnServerKind.Coturn, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task UclientDual_ToPeerOfEitherFamily_EveryMessageComesBack(TurnServerKind kind, bool ipv6Peer)
    {
        Assert.True(TurnutilsUclient.IsInstalled, "turnutils_uclient is missing: test.sh installs coturn.");
        var server = await servers.GetAsync(kind, TurnProfile.IPv6Relay); // relays on 127.0.0.1 and ::1
        var peer = await servers.GetPeerAsync();
        var options = new UclientOptions
        {
            Server = server.EndPoint,
            Peer = ipv6Peer ? peer.IPv6 : peer.IPv4,
            User = TurnServers.User,
            Password = TurnServers.Password,
            Clients = Clients,
            Messages = Messages,
            Length = 200,
            DualAllocation = true,
        };
        long expected = (long)Clients * Messages;
        var output = await TurnutilsUclient.RunAsync(options);
        Assert.True(output.IsLossless(expected),
            $"{kind} dual, peer {options.Peer}: expected {expected} messages back with no loss and no error; got sent={output.SentMessages} " +
            $"received={output.ReceivedMessages} lost={output.LostPackets} errors=[{string.Join(" | ", output.Errors)}]\n{output}\n--- server ---\n{server.Output()}");
        // Confer logs both relayed addresses of a dual allocation; coturn's log does not say, its success proves the row.
        if (kind == TurnServerKind.Confer) Assert.Matches(@"relays on 127\.0\.0\.1:\d+ and \[::1\]:\d+", server.Output());
    }
}
