using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Stun.Auth;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Handlers;

/// <summary>RFC 6062 TCP relaying is opt-in (442 without it), and Connect and ConnectionBind act only for the allocation's owner (441).</summary>
public sealed class TcpRelayPolicyTests
{
    private static TurnOptions Options(bool tcpRelay)
    {
        var options = new TurnOptions { AllowLoopbackPeers = true, TcpRelay = tcpRelay, RelayPortMin = 52000, RelayPortMax = 52999 };
        options.Users["user"] = "pass";
        options.Users["other"] = "pass";
        return options;
    }

    private static byte[] Sign(string user, StunMethod method, string nonce, WriteAttributes attributes) =>
        StunTestMessages.Request(method, (ref StunMessageWriter w) =>
        {
            attributes(ref w);
            w.AddString(StunAttributeType.Username, user);
            w.AddString(StunAttributeType.Realm, "confer");
            w.AddString(StunAttributeType.Nonce, nonce);
            w.AddMessageIntegrity(LongTermKey.Derive(PasswordAlgorithm.Md5, user, "confer", "pass"));
        });

    private static void Tcp(ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 6u << 24);

    [Fact]
    public void TcpRelay_IsOffByDefault() => Assert.False(new TurnOptions().TcpRelay);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TcpAllocation_Returns442_UnlessTcpRelayIsOn(bool tcpRelay)
    {
        await using var server = await TestServer.StartAsync(Options(tcpRelay), tcp: true);
        using var control = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        var nonce = (await control.RequestAsync(StunTestMessages.AllocateChallenge())).String(StunAttributeType.Nonce);
        var allocate = await control.RequestAsync(Sign("user", StunMethod.Allocate, nonce, Tcp));
        if (tcpRelay) Assert.Equal(StunClass.SuccessResponse, allocate.Type.Class);
        else Assert.Equal(442, allocate.ErrorCode);
    }

    [Fact]
    public async Task Connect_OnAnotherUsersAllocation_Returns441()
    {
        await using var server = await TestServer.StartAsync(Options(tcpRelay: true), tcp: true);
        using var peer = new TcpListener(IPAddress.Loopback, 0);
        peer.Start();
        using var control = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        var nonce = (await control.RequestAsync(StunTestMessages.AllocateChallenge())).String(StunAttributeType.Nonce);
        Assert.Equal(StunClass.SuccessResponse, (await control.RequestAsync(Sign("user", StunMethod.Allocate, nonce, Tcp))).Type.Class);
        // The same connection, but signed by another user: not theirs.
        var connect = await control.RequestAsync(Sign("other", StunMethod.Connect, nonce, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorPeerAddress, (IPEndPoint)peer.LocalEndpoint)));
        Assert.Equal(441, connect.ErrorCode);
        Assert.False(peer.Pending()); // no connection was opened for them
    }

    [Fact]
    public async Task ConnectionBind_ForAnotherUsersConnection_Returns441_AndTheOwnerStillGetsIt()
    {
        await using var server = await TestServer.StartAsync(Options(tcpRelay: true), tcp: true);
        using var peer = new TcpListener(IPAddress.Loopback, 0);
        peer.Start();
        using var control = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        var nonce = (await control.RequestAsync(StunTestMessages.AllocateChallenge())).String(StunAttributeType.Nonce);
        Assert.Equal(StunClass.SuccessResponse, (await control.RequestAsync(Sign("user", StunMethod.Allocate, nonce, Tcp))).Type.Class);
        var connect = await control.RequestAsync(Sign("user", StunMethod.Connect, nonce, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorPeerAddress, (IPEndPoint)peer.LocalEndpoint)));
        Assert.Equal(StunClass.SuccessResponse, connect.Type.Class);
        var connectionId = connect.Attributes[StunAttributeType.ConnectionId];
        using var atPeer = await peer.AcceptSocketAsync();

        using var stranger = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        var strangerNonce = (await stranger.RequestAsync(StunTestMessages.AllocateChallenge())).String(StunAttributeType.Nonce);
        var stolen = await stranger.RequestAsync(Sign("other", StunMethod.ConnectionBind, strangerNonce, (ref StunMessageWriter w) => w.Add(StunAttributeType.ConnectionId, connectionId)));
        Assert.Equal(441, stolen.ErrorCode);

        using var data = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        var bind = await data.RequestAsync(Sign("user", StunMethod.ConnectionBind, nonce, (ref StunMessageWriter w) => w.Add(StunAttributeType.ConnectionId, connectionId)));
        Assert.Equal(StunClass.SuccessResponse, bind.Type.Class);
        await atPeer.SendAsync(new byte[] { 7, 8, 9 });
        var buffer = new byte[3];
        using var cts = new CancellationTokenSource(2000);
        int n = await data.Socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        Assert.Equal(new byte[] { 7, 8, 9 }, buffer[..n]);
    }
}
