namespace Confer.Turn.Tests.TurnInterop;

/// <summary>
/// Without --allow-loopback-peers (and without --dev) a TURN server must not relay to 127.0.0.1: the permission
/// (CreatePermission, or ChannelBind, which installs one) is refused with 403 Forbidden (RFC 8656 §9.1, §11.2).
/// </summary>
public sealed class LoopbackPeerTests(TurnServers servers) : IClassFixture<TurnServers>
{
    public static TheoryData<TurnServerKind, bool> Cases() => new()
    {
        { TurnServerKind.Confer, false },
        { TurnServerKind.Confer, true },
        { TurnServerKind.Coturn, false },
        { TurnServerKind.Coturn, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Uclient_LoopbackPeerWithoutAllowFlag_Gets403(TurnServerKind kind, bool sendIndications)
    {
        Assert.True(TurnutilsUclient.IsInstalled, "turnutils_uclient is missing: test.sh installs coturn.");
        var server = await servers.GetAsync(kind, TurnProfile.NoLoopbackPeers);
        var peer = await servers.GetPeerAsync();

        var output = await TurnutilsUclient.RunAsync(new UclientOptions
        {
            Server = server.EndPoint,
            Peer = peer.IPv4,
            User = TurnServers.User,
            Password = TurnServers.Password,
            SendIndications = sendIndications,
            Messages = 5,
            Timeout = TimeSpan.FromSeconds(30),
        });

        Assert.False(output.Command.TimedOut, $"uclient hung instead of failing.\n{output}\n--- server ---\n{server.Output()}");
        Assert.Contains(403, output.ErrorCodes);
        Assert.True((output.ReceivedMessages ?? 0) == 0, $"a refused peer must not echo anything back.\n{output}");
    }
}
