using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Handlers;

/// <summary>
/// The peer policy at every point where a peer address enters, over real sockets: CreatePermission, ChannelBind, Send
/// indications, RFC 6062 Connect and incoming peer TCP connections. Loopback peers are not allowed here unless a test
/// says so; the server's own address is 127.0.0.1.
/// </summary>
public sealed class PeerPolicyEntryTests
{
    private static TurnOptions Options(Action<TurnOptions>? change = null)
    {
        var options = new TurnOptions { RelayPortMin = 48000, RelayPortMax = 48999, RelayAddressV6 = IPAddress.IPv6Loopback, TcpRelay = true };
        options.Users["user"] = "pass";
        change?.Invoke(options);
        return options;
    }

    private static void IPv6(ref StunMessageWriter w) => w.AddRequestedAddressFamily(StunAddressFamily.IPv6);

    [Theory]
    [InlineData("100.64.0.1")]       // carrier-grade NAT (a cloud's metadata service: 100.100.100.200)
    [InlineData("100.100.100.200")]
    [InlineData("192.0.0.8")]        // IETF protocol assignments
    [InlineData("198.18.0.1")]       // benchmarking
    [InlineData("198.19.255.254")]
    public async Task CreatePermission_And_ChannelBind_NewlyDeniedIPv4_Return403(string address)
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        Assert.Equal(StunClass.SuccessResponse, (await client.AllocateAsync()).Type.Class);
        var peer = new IPEndPoint(IPAddress.Parse(address), 5000);
        Assert.Equal(403, (await client.CreatePermissionAsync(peer)).ErrorCode);
        Assert.Equal(403, (await client.ChannelBindAsync(0x4000, peer)).ErrorCode);
    }

    [Theory]
    [InlineData("::ffff:127.0.0.1")]        // IPv4-mapped loopback
    [InlineData("::127.0.0.1")]             // IPv4-compatible loopback
    [InlineData("64:ff9b::a9fe:a9fe")]      // NAT64 to 169.254.169.254
    [InlineData("64:ff9b:1::a00:1")]        // local NAT64 to 10.0.0.1
    [InlineData("2002:7f00:1::1")]          // 6to4 of 127.0.0.1
    [InlineData("2001:0:7f00:1::808:808")]  // Teredo whose server is 127.0.0.1
    [InlineData("2001:0:808:808::f5ff:fffe")] // Teredo whose client is 10.0.0.1
    [InlineData("fec0::1")]                 // site-local
    public async Task CreatePermission_And_ChannelBind_IPv6CarryingInternal_Return403(string address)
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        Assert.Equal(StunClass.SuccessResponse, (await client.AllocateAsync(IPv6)).Type.Class);
        // The 16 bytes as given (an IPEndPoint would be written as IPv4 when mapped).
        var bytes = IPAddress.Parse(address).GetAddressBytes();
        Assert.Equal(403, (await client.RequestAsync(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorPeerAddress, bytes, 5000))).ErrorCode);
        Assert.Equal(403, (await client.RequestAsync(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            w.AddUInt32(StunAttributeType.ChannelNumber, 0x4000u << 16);
            w.AddXorAddress(StunAttributeType.XorPeerAddress, bytes, 5000);
        })).ErrorCode);
        Assert.Equal(StunClass.SuccessResponse, (await client.CreatePermissionAsync(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 5000))).Type.Class);
    }

    /// <summary>
    /// With 127.0.0.0/8 allowed by configuration, the server's own address is still refused except on relay ports; and a
    /// Send indication cannot reach the server's own TURN port through a permission made for a relay port (the
    /// permission is per IP): without the check the server would answer the Binding request inside it, back through the relay.
    /// </summary>
    [Fact]
    public async Task OwnAddress_RelayPortAllowed_OtherPortsRefused_SendCannotBypass()
    {
        await using var server = await TestServer.StartAsync(Options(o => o.AllowedPeers.Add(IPNetwork.Parse("127.0.0.0/8"))));
        using var a = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var b = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var relayedA = (await a.AllocateAsync()).Address(StunAttributeType.XorRelayedAddress, true);
        var relayedB = (await b.AllocateAsync()).Address(StunAttributeType.XorRelayedAddress, true);

        Assert.Equal(403, (await a.CreatePermissionAsync(server.UdpEndPoint)).ErrorCode);        // its TURN port
        Assert.Equal(403, (await a.ChannelBindAsync(0x4000, server.UdpEndPoint)).ErrorCode);
        Assert.Equal(StunClass.SuccessResponse, (await a.CreatePermissionAsync(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 9))).Type.Class);

        // Two clients relay to each other through the server's relayed addresses.
        Assert.Equal(StunClass.SuccessResponse, (await a.CreatePermissionAsync(relayedB)).Type.Class);
        Assert.Equal(StunClass.SuccessResponse, (await b.CreatePermissionAsync(relayedA)).Type.Class);
        await a.SendIndicationAsync(relayedB, [1, 2, 3]);
        var atB = await b.Udp.ReceiveAsync();
        Assert.Equal(new StunMessageType(StunMethod.Data, StunClass.Indication), atB.Type);
        Assert.Equal(new byte[] { 1, 2, 3 }, atB.Attributes[StunAttributeType.Data]);

        // The same permission (127.0.0.1) does not carry a Send to the TURN port.
        await a.SendIndicationAsync(server.UdpEndPoint, StunTestMessages.Request(StunMethod.Binding));
        Assert.Null(await a.Udp.ReceiveRawAsync(500));
        Assert.True(server.Metrics.Count("dropped", "peer_forbidden") > 0);
    }

    [Fact]
    public async Task Connect_DeniedPeers_Return403()
    {
        await using var server = await TestServer.StartAsync(Options(o => o.AllowedPeers.Add(IPNetwork.Parse("127.0.0.0/8"))), tcp: true);
        using var control = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        var nonce = (await control.RequestAsync(StunTestMessages.AllocateChallenge())).String(StunAttributeType.Nonce);
        var allocate = await control.RequestAsync(TcpTurnClient.Sign(StunMethod.Allocate, nonce, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 6u << 24)));
        Assert.Equal(StunClass.SuccessResponse, allocate.Type.Class);
        foreach (var peer in new[] { new IPEndPoint(IPAddress.Parse("100.64.0.1"), 80), new IPEndPoint(IPAddress.Parse("198.18.0.1"), 80), server.TcpEndPoint })
        {
            var connect = await control.RequestAsync(TcpTurnClient.Sign(StunMethod.Connect, nonce, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorPeerAddress, peer)));
            Assert.True(connect.ErrorCode == 403, $"Connect to {peer}: {connect.ErrorCode}");
        }
    }

    /// <summary>A peer the policy refuses cannot get a permission, so its TCP connection to the relayed address is closed unannounced.</summary>
    [Fact]
    public async Task IncomingPeerTcp_FromDeniedAddress_ClosedWithoutConnectionAttempt()
    {
        await using var server = await TestServer.StartAsync(Options(), tcp: true);
        using var control = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        var nonce = (await control.RequestAsync(StunTestMessages.AllocateChallenge())).String(StunAttributeType.Nonce);
        var allocate = await control.RequestAsync(TcpTurnClient.Sign(StunMethod.Allocate, nonce, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 6u << 24)));
        var relayed = allocate.Address(StunAttributeType.XorRelayedAddress, true);
        var permission = await control.RequestAsync(TcpTurnClient.Sign(StunMethod.CreatePermission, nonce,
            (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorPeerAddress, new IPEndPoint(IPAddress.Loopback, 9))));
        Assert.Equal(403, permission.ErrorCode);

        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await peer.ConnectAsync(relayed);
        using var cts = new CancellationTokenSource(2000);
        int read;
        try { read = await peer.ReceiveAsync(new byte[16], SocketFlags.None, cts.Token); }
        catch (SocketException) { read = 0; }
        Assert.Equal(0, read); // closed by the server
        Assert.Null(await control.ReceiveFrameAsync(300)); // and no ConnectionAttempt
    }
}
