using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Allocations;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Handlers;

/// <summary>
/// Dual allocations (RFC 8656 §7.2 ADDITIONAL-ADDRESS-FAMILY, §7.3 Refresh of one family, §18.12 ADDRESS-ERROR-CODE)
/// with real sockets: the server listens on 127.0.0.1 and relays on 127.0.0.1 and ::1.
/// </summary>
public sealed class DualAllocationTests
{
    private static TurnOptions Options(int min = 43000, int max = 43999, bool ipv6 = true)
    {
        var options = new TurnOptions { AllowLoopbackPeers = true, RelayPortMin = min, RelayPortMax = max };
        if (ipv6) options.RelayAddressV6 = IPAddress.IPv6Loopback;
        options.Users["user"] = "pass";
        return options;
    }

    private static void Dual(ref StunMessageWriter w) => w.AddAdditionalAddressFamily(StunAddressFamily.IPv6);

    [Fact]
    public async Task DualAllocate_ReturnsTwoRelayedAddresses_AndRelaysToAnIPv4AndAnIPv6Peer()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var peer4 = new UdpTestClient();
        using var peer6 = new UdpTestClient(IPAddress.IPv6Loopback);

        var response = await client.AllocateAsync(Dual);
        Assert.Equal(StunClass.SuccessResponse, response.Type.Class);
        var relayed = RelayedAddresses(response);
        Assert.Equal(2, relayed.Count);
        Assert.Equal(IPAddress.Loopback, relayed[0].Address);
        Assert.Equal(IPAddress.IPv6Loopback, relayed[1].Address);
        Assert.False(response.Attributes.ContainsKey(StunAttributeType.AddressErrorCode));

        // One CreatePermission for both families; Send indications leave from the relayed address of the peer's family.
        var permit = await client.RequestAsync(StunMethod.CreatePermission, (ref StunMessageWriter w) =>
        {
            w.AddXorAddress(StunAttributeType.XorPeerAddress, peer4.LocalEndPoint);
            w.AddXorAddress(StunAttributeType.XorPeerAddress, peer6.LocalEndPoint);
        });
        Assert.Equal(StunClass.SuccessResponse, permit.Type.Class);
        await client.SendIndicationAsync(peer4.LocalEndPoint, "four"u8.ToArray());
        await client.SendIndicationAsync(peer6.LocalEndPoint, "six"u8.ToArray());
        var at4 = await peer4.ReceiveRawAsync();
        var at6 = await peer6.ReceiveRawAsync();
        Assert.Equal("four"u8.ToArray(), at4!.Value.Bytes);
        Assert.Equal(relayed[0], at4.Value.From);
        Assert.Equal("six"u8.ToArray(), at6!.Value.Bytes);
        Assert.Equal(relayed[1], at6.Value.From);

        // Back from the IPv6 peer as a Data indication naming it.
        await peer6.SendAsync([6, 6], relayed[1]);
        var data = await client.Udp.ReceiveAsync();
        Assert.Equal(new StunMessageType(StunMethod.Data, StunClass.Indication), data.Type);
        Assert.Equal(peer6.LocalEndPoint, data.Address(StunAttributeType.XorPeerAddress, xor: true));
        Assert.Equal(new byte[] { 6, 6 }, data.Attributes[StunAttributeType.Data]);

        // Channels of both families on the one allocation, both ways.
        Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync(0x4000, peer4.LocalEndPoint)).Type.Class);
        Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync(0x4001, peer6.LocalEndPoint)).Type.Class);
        await client.SendChannelDataAsync(0x4001, [1, 2, 3]);
        Assert.Equal(new byte[] { 1, 2, 3 }, (await peer6.ReceiveRawAsync())!.Value.Bytes);
        await client.SendChannelDataAsync(0x4000, [4]);
        Assert.Equal(new byte[] { 4 }, (await peer4.ReceiveRawAsync())!.Value.Bytes);
        await peer4.SendAsync([7, 7, 7], relayed[0]);
        var frame = await client.Udp.ReceiveRawAsync();
        Assert.True(ChannelData.TryRead(frame!.Value.Bytes, out var message));
        Assert.Equal(0x4000, message.Channel);
        await peer6.SendAsync([8], relayed[1]);
        frame = await client.Udp.ReceiveRawAsync();
        Assert.True(ChannelData.TryRead(frame!.Value.Bytes, out message));
        Assert.Equal(0x4001, message.Channel);
        Assert.Equal(new byte[] { 8 }, message.Data.ToArray());
    }

    [Fact]
    public async Task DualAllocate_Retransmitted_GetsTheSameTwoAddresses()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var first = await client.AllocateAsync(Dual);
        var again = await client.Udp.RequestAsync(client.Signed(StunMethod.Allocate, (ref StunMessageWriter w) =>
        {
            w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24);
            Dual(ref w);
        }, first.TransactionId), server.UdpEndPoint);
        Assert.Equal(RelayedAddresses(first), RelayedAddresses(again));
    }

    [Fact]
    public async Task DualAllocate_WithoutIPv6RelayAddress_GetsIPv4AndAddressErrorCode440()
    {
        await using var server = await TestServer.StartAsync(Options(ipv6: false));
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var response = await client.AllocateAsync(Dual);
        Assert.Equal(StunClass.SuccessResponse, response.Type.Class);
        var relayed = Assert.Single(RelayedAddresses(response));
        Assert.Equal(AddressFamily.InterNetwork, relayed.AddressFamily);
        Assert.True(AddressErrorCode.TryRead(response.Attributes[StunAttributeType.AddressErrorCode], out var family, out int code, out _));
        Assert.Equal(StunAddressFamily.IPv6, family);
        Assert.Equal(440, code);

        // The allocation has no IPv6 relay: an IPv6 peer is a family mismatch.
        Assert.Equal(443, (await client.CreatePermissionAsync(new IPEndPoint(IPAddress.IPv6Loopback, 5000))).ErrorCode);
    }

    [Fact]
    public async Task DualAllocate_NoIPv6PortFree_GetsIPv4AndAddressErrorCode508()
    {
        // Two relay ports, both taken on ::1 beforehand: IPv4 gets one, IPv6 none.
        using var taken1 = BindUdp(IPAddress.IPv6Loopback, 43100);
        using var taken2 = BindUdp(IPAddress.IPv6Loopback, 43101);
        await using var server = await TestServer.StartAsync(Options(43100, 43101));
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var response = await client.AllocateAsync(Dual);
        Assert.Equal(StunClass.SuccessResponse, response.Type.Class);
        Assert.Equal(AddressFamily.InterNetwork, Assert.Single(RelayedAddresses(response)).AddressFamily);
        Assert.True(AddressErrorCode.TryRead(response.Attributes[StunAttributeType.AddressErrorCode], out var family, out int code, out _));
        Assert.Equal((StunAddressFamily.IPv6, 508), (family, code));
    }

    [Fact]
    public async Task DualAllocate_WithCoturnsDraftAttributeNumber_IsDual_AndAnswersOnTheDraftNumber()
    {
        await using var server = await TestServer.StartAsync(Options(ipv6: false));
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var response = await client.AllocateAsync((ref StunMessageWriter w) => w.AddUInt32((StunAttributeType)0x8032, 2u << 24));
        Assert.Equal(StunClass.SuccessResponse, response.Type.Class);
        Assert.False(response.Attributes.ContainsKey(StunAttributeType.AddressErrorCode));
        Assert.True(AddressErrorCode.TryRead(response.Attributes[(StunAttributeType)0x8033], out var family, out int code, out _));
        Assert.Equal((StunAddressFamily.IPv6, 440), (family, code));
    }

    public static TheoryData<string> BadDualRequests() => ["requested+additional", "additional=IPv4", "additional=3", "additional-short", "even-port-R", "reservation-token"];

    [Theory]
    [MemberData(nameof(BadDualRequests))]
    public async Task DualAllocate_Malformed_Returns400(string kind)
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var response = await client.AllocateAsync((ref StunMessageWriter w) =>
        {
            switch (kind)
            {
                case "requested+additional":
                    w.AddRequestedAddressFamily(StunAddressFamily.IPv4);
                    w.AddAdditionalAddressFamily(StunAddressFamily.IPv6);
                    break;
                case "additional=IPv4": w.AddAdditionalAddressFamily(StunAddressFamily.IPv4); break;
                case "additional=3": w.AddUInt32(StunAttributeType.AdditionalAddressFamily, 3u << 24); break;
                case "additional-short": w.Add(StunAttributeType.AdditionalAddressFamily, [2]); break;
                case "even-port-R":
                    w.Add(StunAttributeType.EvenPort, [0x80]);
                    w.AddAdditionalAddressFamily(StunAddressFamily.IPv6);
                    break;
                case "reservation-token":
                    w.AddUInt64(StunAttributeType.ReservationToken, 42);
                    w.AddAdditionalAddressFamily(StunAddressFamily.IPv6);
                    break;
            }
        });
        Assert.Equal(400, response.ErrorCode);
        Assert.Equal(0, server.Dispatcher.Allocations.Count);
    }

    [Fact]
    public async Task DualAllocate_EvenPortWithoutR_GivesEvenPortsInBothFamilies()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var response = await client.AllocateAsync((ref StunMessageWriter w) =>
        {
            w.Add(StunAttributeType.EvenPort, [0]);
            Dual(ref w);
        });
        var relayed = RelayedAddresses(response);
        Assert.Equal(2, relayed.Count);
        Assert.All(relayed, r => Assert.Equal(0, r.Port % 2));
    }

    [Fact]
    public async Task SingleIPv4Allocation_PermissionForIPv6Peer_Returns443()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        await client.AllocateAsync();
        Assert.Equal(443, (await client.CreatePermissionAsync(new IPEndPoint(IPAddress.IPv6Loopback, 5000))).ErrorCode);
        Assert.Equal(443, (await client.ChannelBindAsync(0x4000, new IPEndPoint(IPAddress.IPv6Loopback, 5000))).ErrorCode);
    }

    [Fact]
    public async Task RefreshOfIPv6WithLifetimeZero_DeletesOnlyThatFamily_AndFreesItsPort()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var peer4 = new UdpTestClient();
        var relayed = RelayedAddresses(await client.AllocateAsync(Dual));

        var refresh = await client.RequestAsync(StunMethod.Refresh, (ref StunMessageWriter w) =>
        {
            w.AddRequestedAddressFamily(StunAddressFamily.IPv6);
            w.AddUInt32(StunAttributeType.Lifetime, 0);
        });
        Assert.Equal(StunClass.SuccessResponse, refresh.Type.Class);
        Assert.Equal(1, server.Dispatcher.Allocations.Count);
        using (BindUdp(IPAddress.IPv6Loopback, relayed[1].Port)) { } // the IPv6 port is free again

        // IPv6 is gone (443, and 443 again for a second Refresh of it); IPv4 still relays.
        Assert.Equal(443, (await client.CreatePermissionAsync(new IPEndPoint(IPAddress.IPv6Loopback, 5000))).ErrorCode);
        Assert.Equal(443, (await client.RequestAsync(StunMethod.Refresh, (ref StunMessageWriter w) => w.AddRequestedAddressFamily(StunAddressFamily.IPv6))).ErrorCode);
        Assert.Equal(StunClass.SuccessResponse, (await client.CreatePermissionAsync(peer4.LocalEndPoint)).Type.Class);
        await client.SendIndicationAsync(peer4.LocalEndPoint, [4]);
        Assert.Equal(relayed[0], (await peer4.ReceiveRawAsync())!.Value.From);

        // Deleting the last family deletes the allocation.
        var last = await client.RequestAsync(StunMethod.Refresh, (ref StunMessageWriter w) =>
        {
            w.AddRequestedAddressFamily(StunAddressFamily.IPv4);
            w.AddUInt32(StunAttributeType.Lifetime, 0);
        });
        Assert.Equal(StunClass.SuccessResponse, last.Type.Class);
        Assert.Equal(0, server.Dispatcher.Allocations.Count);
        using (BindUdp(IPAddress.Loopback, relayed[0].Port)) { }
    }

    [Fact]
    public async Task RefreshOfOneFamily_ExtendsOnlyIt_TheOtherExpiresAndFreesItsPort()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var relayed = RelayedAddresses(await client.AllocateAsync(Dual));
        var refresh = await client.RequestAsync(StunMethod.Refresh, (ref StunMessageWriter w) =>
        {
            w.AddRequestedAddressFamily(StunAddressFamily.IPv6);
            w.AddUInt32(StunAttributeType.Lifetime, 1800);
        });
        Assert.Equal(StunClass.SuccessResponse, refresh.Type.Class);
        Assert.Equal(1800u, (uint)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(refresh.Attributes[StunAttributeType.Lifetime]));

        // Past the IPv4 lifetime (600 s), within the IPv6 one: the sweep closes IPv4 only.
        server.Time.Advance(TimeSpan.FromSeconds(601));
        await WaitUntilFreeAsync(IPAddress.Loopback, relayed[0].Port);
        Assert.True(server.Dispatcher.Allocations.TryGet(Tuple(server, client), out var allocation));
        Assert.False(allocation.HasFamily(ipv6: false, server.Dispatcher.Allocations.Now));
        Assert.True(allocation.HasFamily(ipv6: true, server.Dispatcher.Allocations.Now));
        Assert.Equal(443, (await client.CreatePermissionAsync(new IPEndPoint(IPAddress.Loopback, 5000))).ErrorCode);

        server.Time.Advance(TimeSpan.FromSeconds(1200));
        await WaitUntilFreeAsync(IPAddress.IPv6Loopback, relayed[1].Port);
        Assert.Equal(0, server.Dispatcher.Allocations.Count);
    }

    [Fact]
    public async Task DualAllocation_Expiry_FreesBothPorts()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var relayed = RelayedAddresses(await client.AllocateAsync(Dual));
        Assert.Equal(2, relayed.Count);
        server.Time.Advance(TimeSpan.FromSeconds(601));
        for (int i = 0; i < 100 && server.Dispatcher.Allocations.Count > 0; i++) await Task.Delay(20);
        Assert.Equal(0, server.Dispatcher.Allocations.Count);
        await WaitUntilFreeAsync(IPAddress.Loopback, relayed[0].Port);
        await WaitUntilFreeAsync(IPAddress.IPv6Loopback, relayed[1].Port);
    }

    [Fact]
    public async Task DualAllocation_RefreshWithoutFamily_DeletesBoth()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var relayed = RelayedAddresses(await client.AllocateAsync(Dual));
        Assert.Equal(StunClass.SuccessResponse, (await client.RequestAsync(StunMethod.Refresh, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.Lifetime, 0))).Type.Class);
        Assert.Equal(0, server.Dispatcher.Allocations.Count);
        using (BindUdp(IPAddress.Loopback, relayed[0].Port)) { }
        using (BindUdp(IPAddress.IPv6Loopback, relayed[1].Port)) { }
    }

    /// <summary>Every XOR-RELAYED-ADDRESS of a response, in order (the test client's dictionary keeps only the first).</summary>
    internal static List<IPEndPoint> RelayedAddresses(Received response)
    {
        Assert.True(StunMessage.TryRead(response.Bytes, out var message, out _));
        var list = new List<IPEndPoint>();
        foreach (var attribute in message.Attributes)
        {
            if (attribute.Type != StunAttributeType.XorRelayedAddress) continue;
            Assert.True(StunAddress.TryRead(attribute.Value, true, message.TransactionId, out var endpoint));
            list.Add(endpoint);
        }
        return list;
    }

    private static FiveTuple Tuple(TestServer server, TurnTestClient client) =>
        new(TransportAddress.FromEndPoint(client.Udp.LocalEndPoint), TransportAddress.FromEndPoint(server.UdpEndPoint), ClientTransport.Udp);

    private static Socket BindUdp(IPAddress address, int port)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(address, port));
        return socket;
    }

    // The sweep runs on the fake clock's timer callback: give it a moment, then the port must bind.
    private static async Task WaitUntilFreeAsync(IPAddress address, int port)
    {
        for (int i = 0; ; i++)
        {
            try
            {
                using var socket = BindUdp(address, port);
                return;
            }
            catch (SocketException) when (i < 100)
            {
                await Task.Delay(20);
            }
        }
    }
}
