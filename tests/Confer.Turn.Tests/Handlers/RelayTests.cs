using System.Net;
using Confer.Stun;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Handlers;

public sealed class RelayTests
{
    private static TurnOptions Options()
    {
        var options = new TurnOptions { AllowLoopbackPeers = true, RelayPortMin = 41000, RelayPortMax = 41999 };
        options.Users["user"] = "pass";
        return options;
    }

    [Fact]
    public async Task SendIndication_WithPermission_ReachesPeer_AndPeerReplyComesBackAsDataIndication()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var peer = new UdpTestClient();
        var relayed = (await client.AllocateAsync()).Address(StunAttributeType.XorRelayedAddress, true);
        Assert.Equal(StunClass.SuccessResponse, (await client.CreatePermissionAsync(peer.LocalEndPoint)).Type.Class);

        await client.SendIndicationAsync(peer.LocalEndPoint, "hello"u8.ToArray());
        var atPeer = await peer.ReceiveRawAsync();
        Assert.NotNull(atPeer);
        Assert.Equal("hello"u8.ToArray(), atPeer.Value.Bytes);
        Assert.Equal(relayed, atPeer.Value.From);

        await peer.SendAsync([1, 2, 3, 4, 5], relayed);
        var data = await client.Udp.ReceiveAsync();
        Assert.Equal(new StunMessageType(StunMethod.Data, StunClass.Indication), data.Type);
        Assert.Equal(peer.LocalEndPoint, data.Address(StunAttributeType.XorPeerAddress, xor: true));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, data.Attributes[StunAttributeType.Data]);
    }

    [Fact]
    public async Task ChannelData_BothWays()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var peer = new UdpTestClient();
        var relayed = (await client.AllocateAsync()).Address(StunAttributeType.XorRelayedAddress, true);
        Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync(0x4000, peer.LocalEndPoint)).Type.Class);

        await client.SendChannelDataAsync(0x4000, [9, 8, 7]);
        var atPeer = await peer.ReceiveRawAsync();
        Assert.Equal(new byte[] { 9, 8, 7 }, atPeer!.Value.Bytes);

        await peer.SendAsync([1, 2, 3, 4, 5, 6], relayed);
        var frame = await client.Udp.ReceiveRawAsync();
        Assert.NotNull(frame);
        Assert.True(ChannelData.TryRead(frame.Value.Bytes, out var message));
        Assert.Equal(0x4000, message.Channel);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, message.Data.ToArray());
    }

    [Fact]
    public async Task PeerWithoutPermission_IsDropped_AndClientSendWithoutPermissionIsDropped()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var peer = new UdpTestClient();
        var relayed = (await client.AllocateAsync()).Address(StunAttributeType.XorRelayedAddress, true);

        await peer.SendAsync([1], relayed);
        Assert.Null(await client.Udp.ReceiveRawAsync(300));
        await client.SendIndicationAsync(peer.LocalEndPoint, [1]);
        Assert.Null(await peer.ReceiveRawAsync(300));
    }

    [Fact]
    public async Task Permission_ExpiresAfter300Seconds()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var peer = new UdpTestClient();
        var relayed = (await client.AllocateAsync()).Address(StunAttributeType.XorRelayedAddress, true);
        await client.CreatePermissionAsync(peer.LocalEndPoint);
        server.Time.Advance(TimeSpan.FromSeconds(301));

        await peer.SendAsync([1], relayed);
        Assert.Null(await client.Udp.ReceiveRawAsync(300));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChannelData_OverTcp_IsPaddedAndRelayed(bool kestrel)
    {
        await using var server = await TestServer.StartAsync(Options(), tcp: true, kestrel: kestrel);
        using var tcp = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        using var peer = new UdpTestClient();
        // Authenticate over TCP by hand: 401, then signed.
        var challenge = await tcp.RequestAsync(StunTestMessages.AllocateChallenge());
        var realm = challenge.String(StunAttributeType.Realm);
        var nonce = challenge.String(StunAttributeType.Nonce);
        var key = Stun.Auth.LongTermKey.Derive(Stun.Auth.PasswordAlgorithm.Md5, "user", realm, "pass");
        byte[] Signed(StunMethod method, WriteAttributes attributes) => StunTestMessages.Request(method, (ref StunMessageWriter w) =>
        {
            attributes(ref w);
            w.AddString(StunAttributeType.Username, "user");
            w.AddString(StunAttributeType.Realm, realm);
            w.AddString(StunAttributeType.Nonce, nonce);
            w.AddMessageIntegrity(key);
        });
        var allocate = await tcp.RequestAsync(Signed(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24)));
        var relayed = allocate.Address(StunAttributeType.XorRelayedAddress, true);
        var bind = await tcp.RequestAsync(Signed(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            w.AddUInt32(StunAttributeType.ChannelNumber, 0x4000u << 16);
            w.AddXorAddress(StunAttributeType.XorPeerAddress, peer.LocalEndPoint);
        }));
        Assert.Equal(StunClass.SuccessResponse, bind.Type.Class);

        var frame = new byte[8];
        ChannelData.Write(frame, 0x4000, [1, 2, 3], pad: true);
        await tcp.SendAsync(frame);
        Assert.Equal(new byte[] { 1, 2, 3 }, (await peer.ReceiveRawAsync())!.Value.Bytes);

        await peer.SendAsync([4, 5, 6, 7, 8], relayed);
        var back = await tcp.ReceiveFrameAsync();
        Assert.NotNull(back);
        Assert.Equal(12, back.Length); // 4 + 5 padded to 8
        Assert.True(ChannelData.TryRead(back, out var message));
        Assert.Equal(new byte[] { 4, 5, 6, 7, 8 }, message.Data.ToArray());
    }
}
