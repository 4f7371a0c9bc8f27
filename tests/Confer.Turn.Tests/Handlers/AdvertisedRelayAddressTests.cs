using System.Net;
using Confer.Stun;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Handlers;

/// <summary>
/// Behind a 1:1 NAT (<c>--public-ip</c>): the relay socket binds the local address, XOR-RELAYED-ADDRESS gives the public
/// one with the same port, and what reaches the bound socket is relayed as before (the NAT maps public to local).
/// </summary>
public sealed class AdvertisedRelayAddressTests
{
    private static readonly IPAddress Public = IPAddress.Parse("198.51.100.7"); // TEST-NET-2 (RFC 5737)

    [Fact]
    public async Task Allocate_AdvertisesThePublicAddress_WithTheBoundPort_AndRelaysThroughTheBoundSocket()
    {
        var options = new TurnOptions { AllowLoopbackPeers = true, RelayPortMin = 42000, RelayPortMax = 42999, AdvertisedRelayAddress = Public };
        options.Users["user"] = "pass";
        await using var server = await TestServer.StartAsync(options);
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var peer = new UdpTestClient();

        var relayed = (await client.AllocateAsync()).Address(StunAttributeType.XorRelayedAddress, true);
        Assert.Equal(Public, relayed.Address);
        Assert.InRange(relayed.Port, 42000, 42999);

        Assert.Equal(StunClass.SuccessResponse, (await client.CreatePermissionAsync(peer.LocalEndPoint)).Type.Class);
        await client.SendIndicationAsync(peer.LocalEndPoint, "out"u8.ToArray());
        var atPeer = await peer.ReceiveRawAsync();
        Assert.NotNull(atPeer);
        // The packet leaves from the bound (local) address with the advertised port: the NAT rewrites it to the public one.
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, relayed.Port), atPeer.Value.From);

        await peer.SendAsync([1, 2, 3], new IPEndPoint(IPAddress.Loopback, relayed.Port));
        var data = await client.Udp.ReceiveAsync();
        Assert.Equal(new StunMessageType(StunMethod.Data, StunClass.Indication), data.Type);
        Assert.Equal(new byte[] { 1, 2, 3 }, data.Attributes[StunAttributeType.Data]);
    }

    [Fact]
    public void PublicAddress_IsThisServer_ForThePeerPolicy()
    {
        // Relaying to the server's own public address on a port that is not a relay port would reach its other services.
        var options = new TurnOptions { AdvertisedRelayAddress = Public };
        var policy = new Confer.Turn.Allocations.PeerPolicy(options, []);
        Assert.False(policy.IsAllowed(Confer.Transport.TransportAddress.FromEndPoint(new IPEndPoint(Public, 22))));
    }
}
