using System.Buffers.Binary;
using System.Net;
using Confer.Stun;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Handlers;

public sealed class AllocateOptionsTests
{
    private static TurnOptions Options()
    {
        var options = new TurnOptions { AllowLoopbackPeers = true, RelayPortMin = 42000, RelayPortMax = 42999 };
        options.Users["user"] = "pass";
        return options;
    }

    [Fact]
    public async Task EvenPortWithReserve_GivesEvenPortAndTokenForTheNextOne()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var first = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var response = await first.AllocateAsync((ref StunMessageWriter w) => w.Add(StunAttributeType.EvenPort, [0x80]));
        var relayed = response.Address(StunAttributeType.XorRelayedAddress, true);
        Assert.Equal(0, relayed.Port % 2);
        var token = response.Attributes[StunAttributeType.ReservationToken];
        Assert.Equal(8, token.Length);

        using var second = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var reserved = await second.AllocateAsync((ref StunMessageWriter w) => w.Add(StunAttributeType.ReservationToken, token));
        Assert.Equal(relayed.Port + 1, reserved.Address(StunAttributeType.XorRelayedAddress, true).Port);

        using var third = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        Assert.Equal(508, (await third.AllocateAsync((ref StunMessageWriter w) => w.Add(StunAttributeType.ReservationToken, token))).ErrorCode);
    }

    [Fact]
    public async Task EvenPortAndReservationToken_Together_Returns400()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var response = await client.AllocateAsync((ref StunMessageWriter w) =>
        {
            w.Add(StunAttributeType.EvenPort, [0]);
            w.AddUInt64(StunAttributeType.ReservationToken, 1);
        });
        Assert.Equal(400, response.ErrorCode);
    }

    [Fact]
    public async Task RequestedAddressFamilyIPv6_WithoutIPv6Relay_Returns440()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var response = await client.AllocateAsync((ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedAddressFamily, 0x02u << 24));
        Assert.Equal(440, response.ErrorCode);
    }

    [Fact]
    public async Task RequestedAddressFamilyIPv6_WithIPv6Relay_RelaysOnIPv6()
    {
        var options = Options();
        options.RelayAddressV6 = IPAddress.IPv6Loopback;
        await using var server = await TestServer.StartAsync(options);
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var peer = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetworkV6, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        var response = await client.AllocateAsync((ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedAddressFamily, 0x02u << 24));
        var relayed = response.Address(StunAttributeType.XorRelayedAddress, true);
        Assert.Equal(IPAddress.IPv6Loopback, relayed.Address);

        Assert.Equal(443, (await client.CreatePermissionAsync(new IPEndPoint(IPAddress.Loopback, 5000))).ErrorCode);
        Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync(0x4000, (IPEndPoint)peer.LocalEndPoint!)).Type.Class);
        await client.SendChannelDataAsync(0x4000, [1, 2]);
        var buffer = new byte[16];
        using var cts = new CancellationTokenSource(2000);
        var received = await peer.ReceiveFromAsync(buffer, System.Net.Sockets.SocketFlags.None, new IPEndPoint(IPAddress.IPv6Any, 0), cts.Token);
        Assert.Equal(2, received.ReceivedBytes);
        Assert.Equal(relayed, received.RemoteEndPoint);
    }

    [Fact]
    public async Task ChannelNumberFromRfc5766Range_IsAccepted()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var peer = new UdpTestClient();
        await client.AllocateAsync();
        Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync(0x7000, peer.LocalEndPoint)).Type.Class);
        await client.SendChannelDataAsync(0x7000, [5]);
        Assert.Equal(new byte[] { 5 }, (await peer.ReceiveRawAsync())!.Value.Bytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TcpConnectionClose_DeletesTheAllocation(bool kestrel)
    {
        await using var server = await TestServer.StartAsync(Options(), tcp: true, kestrel: kestrel);
        var tcp = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        var challenge = await tcp.RequestAsync(StunTestMessages.AllocateChallenge());
        var key = Stun.Auth.LongTermKey.Derive(Stun.Auth.PasswordAlgorithm.Md5, "user", "confer", "pass");
        var allocate = await tcp.RequestAsync(StunTestMessages.Request(StunMethod.Allocate, (ref StunMessageWriter w) =>
        {
            w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24);
            w.AddString(StunAttributeType.Username, "user");
            w.AddString(StunAttributeType.Realm, "confer");
            w.AddString(StunAttributeType.Nonce, challenge.String(StunAttributeType.Nonce));
            w.AddMessageIntegrity(key);
        }));
        Assert.Equal(StunClass.SuccessResponse, allocate.Type.Class);
        Assert.Equal(1, server.Dispatcher.Allocations.Count);
        tcp.Dispose();
        for (int i = 0; i < 50 && server.Dispatcher.Allocations.Count > 0; i++) await Task.Delay(20);
        Assert.Equal(0, server.Dispatcher.Allocations.Count);
    }
}
