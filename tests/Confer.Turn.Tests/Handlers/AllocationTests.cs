using System.Net;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Handlers;

public sealed class AllocationTests
{
    private static TurnOptions Options(Action<TurnOptions>? change = null)
    {
        var options = new TurnOptions { RelayPortMin = 40000, RelayPortMax = 40999 };
        options.Users["user"] = "pass";
        options.Users["other"] = "pass";
        change?.Invoke(options);
        return options;
    }

    [Fact]
    public async Task Allocate_ReturnsRelayInRangeLifetimeAndMappedAddress()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var response = await client.AllocateAsync((ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.Lifetime, 99999));

        var relayed = response.Address(StunAttributeType.XorRelayedAddress, xor: true);
        Assert.Equal(IPAddress.Loopback, relayed.Address);
        Assert.InRange(relayed.Port, 40000, 40999);
        Assert.Equal(3600u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(response.Attributes[StunAttributeType.Lifetime]));
        Assert.Equal(client.Udp.LocalEndPoint, response.Address(StunAttributeType.XorMappedAddress, xor: true));
    }

    [Fact]
    public async Task Allocate_TcpTransport_Returns442()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        Assert.Equal(442, (await client.AllocateAsync(transport: 6)).ErrorCode);
    }

    [Fact]
    public async Task Allocate_Again_RetransmissionRepeatsSuccessNewTransactionGets437()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var first = await client.AllocateAsync();
        var retransmit = await client.Udp.RequestAsync(client.Signed(StunMethod.Allocate,
            (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24), first.TransactionId), server.UdpEndPoint);
        Assert.Equal(StunClass.SuccessResponse, retransmit.Type.Class);
        Assert.Equal(first.Address(StunAttributeType.XorRelayedAddress, true), retransmit.Address(StunAttributeType.XorRelayedAddress, true));
        Assert.Equal(437, (await client.AllocateAsync()).ErrorCode);
    }

    [Fact]
    public async Task Allocate_OverUserQuota_Returns486_OverCapacity_Returns508()
    {
        await using var server = await TestServer.StartAsync(Options(o => { o.MaxAllocationsPerUser = 1; o.MaxAllocations = 2; }));
        using var a = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var b = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var c = new TurnTestClient(server.UdpEndPoint, "other", "pass");
        using var d = new TurnTestClient(server.UdpEndPoint, "other", "pass");
        Assert.Equal(StunClass.SuccessResponse, (await a.AllocateAsync()).Type.Class);
        Assert.Equal(486, (await b.AllocateAsync()).ErrorCode);
        Assert.Equal(StunClass.SuccessResponse, (await c.AllocateAsync()).Type.Class);
        Assert.Equal(508, (await d.AllocateAsync()).ErrorCode);
    }

    [Fact]
    public async Task Refresh_LifetimeZero_DeletesAndFreesThePort()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var relayed = (await client.AllocateAsync()).Address(StunAttributeType.XorRelayedAddress, true);
        var refresh = await client.RequestAsync(StunMethod.Refresh, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.Lifetime, 0));
        Assert.Equal(StunClass.SuccessResponse, refresh.Type.Class);
        Assert.Equal(0, server.Dispatcher.Allocations.Count);
        using var again = Allocations.RelayPortPool.TryBind(IPAddress.Loopback, relayed.Port);
        Assert.NotNull(again);
        Assert.Equal(437, (await client.RequestAsync(StunMethod.Refresh)).ErrorCode);
    }

    [Fact]
    public async Task Allocation_Expires_AfterLifetimeOnTheInjectedClock()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var relayed = (await client.AllocateAsync()).Address(StunAttributeType.XorRelayedAddress, true);
        server.Time.Advance(TimeSpan.FromSeconds(599));
        Assert.Equal(1, server.Dispatcher.Allocations.Count);
        server.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, server.Dispatcher.Allocations.Count);
        using var again = Allocations.RelayPortPool.TryBind(IPAddress.Loopback, relayed.Port);
        Assert.NotNull(again);
    }

    [Fact]
    public async Task Refresh_ExtendsTheLifetime()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        await client.AllocateAsync();
        server.Time.Advance(TimeSpan.FromSeconds(500));
        await client.RequestAsync(StunMethod.Refresh, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.Lifetime, 600));
        server.Time.Advance(TimeSpan.FromSeconds(500));
        Assert.Equal(1, server.Dispatcher.Allocations.Count);
    }

    [Fact]
    public async Task CreatePermission_WithoutAllocation_Returns437()
    {
        await using var server = await TestServer.StartAsync(Options(o => o.AllowLoopbackPeers = true));
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        Assert.Equal(437, (await client.CreatePermissionAsync(new IPEndPoint(IPAddress.Loopback, 9))).ErrorCode);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("192.168.1.1")]
    [InlineData("172.16.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("0.1.2.3")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    public async Task CreatePermission_ForbiddenPeerByDefault_Returns403(string peer)
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        await client.AllocateAsync();
        Assert.Equal(403, (await client.CreatePermissionAsync(new IPEndPoint(IPAddress.Parse(peer), 5000))).ErrorCode);
        Assert.Equal(403, (await client.ChannelBindAsync(0x4000, new IPEndPoint(IPAddress.Parse(peer), 5000))).ErrorCode);
    }

    [Fact]
    public async Task CreatePermission_PublicPeer_Succeeds_AllowedCidr_Succeeds()
    {
        await using var server = await TestServer.StartAsync(Options(o => o.AllowedPeers.Add(IPNetwork.Parse("10.0.0.0/8"))));
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        await client.AllocateAsync();
        Assert.Equal(StunClass.SuccessResponse, (await client.CreatePermissionAsync(new IPEndPoint(IPAddress.Parse("203.0.113.5"), 5000))).Type.Class);
        Assert.Equal(StunClass.SuccessResponse, (await client.CreatePermissionAsync(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 5000))).Type.Class);
    }

    [Fact]
    public async Task ChannelBind_BadNumber_Returns400_PeerOnOtherChannel_Returns400()
    {
        await using var server = await TestServer.StartAsync(Options(o => o.AllowLoopbackPeers = true));
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        await client.AllocateAsync();
        var peer = new IPEndPoint(IPAddress.Loopback, 5000);
        Assert.Equal(400, (await client.ChannelBindAsync(0x3FFF, peer)).ErrorCode);
        Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync(0x4001, peer)).Type.Class);
        Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync(0x4001, peer)).Type.Class);
        Assert.Equal(400, (await client.ChannelBindAsync(0x4002, peer)).ErrorCode);
        Assert.Equal(400, (await client.ChannelBindAsync(0x4001, new IPEndPoint(IPAddress.Loopback, 5001))).ErrorCode);
    }

    [Fact]
    public async Task Allocate_UnknownComprehensionRequired_Returns420Signed()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var response = await client.AllocateAsync((ref StunMessageWriter w) => w.AddUInt32((StunAttributeType)0x7FAA, 0));
        Assert.Equal(420, response.ErrorCode);
        Assert.Equal(new byte[] { 0x7F, 0xAA }, response.Attributes[StunAttributeType.UnknownAttributes]);
        Assert.True(response.Attributes.ContainsKey(StunAttributeType.MessageIntegrity));
    }
}
