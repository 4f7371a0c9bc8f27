using System.Buffers.Binary;
using System.Net;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Handlers;

public sealed class BindingTests
{
    [Fact]
    public async Task Binding_OverUdp_ReturnsSenderAddressWithFingerprint()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new UdpTestClient();
        var response = await client.RequestAsync(StunTestMessages.Request(StunMethod.Binding), server.UdpEndPoint);

        Assert.Equal(StunMessageType.BindingSuccess, response.Type);
        Assert.Equal(client.LocalEndPoint, response.Address(StunAttributeType.XorMappedAddress, xor: true));
        Assert.Equal(client.LocalEndPoint, response.Address(StunAttributeType.MappedAddress, xor: false));
        Assert.Equal("Confer", response.String(StunAttributeType.Software));
        Assert.True(response.FingerprintValid);
        Assert.Equal(server.UdpEndPoint, response.From);
        Assert.False(response.Attributes.ContainsKey(StunAttributeType.OtherAddress));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Binding_OverTcp_ReturnsSenderAddress(bool kestrel)
    {
        await using var server = await TestServer.StartAsync(tcp: true, kestrel: kestrel);
        using var client = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        // Two requests in one write: the framing must split them.
        var first = StunTestMessages.Request(StunMethod.Binding);
        var second = StunTestMessages.Request(StunMethod.Binding);
        await client.SendAsync([.. first, .. second]);
        foreach (var request in new[] { first, second })
        {
            var frame = await client.ReceiveFrameAsync();
            Assert.NotNull(frame);
            var response = Received.Parse(frame);
            Assert.Equal(StunMessageType.BindingSuccess, response.Type);
            Assert.Equal(Received.Parse(request).TransactionId, response.TransactionId);
            Assert.Equal(client.LocalEndPoint, response.Address(StunAttributeType.XorMappedAddress, xor: true));
            Assert.True(response.FingerprintValid);
        }
    }

    [Fact]
    public async Task Binding_UnknownComprehensionRequired_Returns420WithUnknownAttributes()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new UdpTestClient();
        var request = StunTestMessages.Request(StunMethod.Binding, (ref StunMessageWriter w) =>
        {
            w.AddUInt32((StunAttributeType)0x7F01, 1);
            w.AddUInt32((StunAttributeType)0xC001, 1); // comprehension-optional: ignored
            w.AddUInt32((StunAttributeType)0x0003, 0x06); // CHANGE-REQUEST without a second address
        });
        var response = await client.RequestAsync(request, server.UdpEndPoint);

        Assert.Equal(new StunMessageType(StunMethod.Binding, StunClass.ErrorResponse), response.Type);
        Assert.Equal(420, response.ErrorCode);
        var unknown = response.Attributes[StunAttributeType.UnknownAttributes];
        Assert.Equal(4, unknown.Length);
        Assert.Equal(0x7F01, BinaryPrimitives.ReadUInt16BigEndian(unknown));
        Assert.Equal(0x0003, BinaryPrimitives.ReadUInt16BigEndian(unknown.AsSpan(2)));
        Assert.True(response.FingerprintValid);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 })]
    [InlineData(new byte[] { 0x80, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 })]
    [InlineData(new byte[] { 0, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0 })]
    public async Task Garbage_OverUdp_GetsNoReply(byte[] garbage)
    {
        await using var server = await TestServer.StartAsync();
        using var client = new UdpTestClient();
        await client.SendAsync(garbage, server.UdpEndPoint);
        Assert.Null(await client.ReceiveRawAsync(300));
        // The server is still there.
        var response = await client.RequestAsync(StunTestMessages.Request(StunMethod.Binding), server.UdpEndPoint);
        Assert.Equal(StunMessageType.BindingSuccess, response.Type);
    }

    [Theory]
    [InlineData(new byte[] { 22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 }, "DTLS")] // a DTLS 1.2 handshake record
    [InlineData(new byte[] { 0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 }, "RTP")]
    [InlineData(new byte[] { 0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0 }, "RTCP")] // a sender report
    public async Task MediaDatagram_OverUdp_IsCountedAsNotTurn(byte[] datagram, string kind)
    {
        await using var server = await TestServer.StartAsync();
        using var client = new UdpTestClient();
        await client.SendAsync(datagram, server.UdpEndPoint);
        Assert.Null(await client.ReceiveRawAsync(300));
        Assert.True(server.Metrics.Count("dropped", "not_turn") == 1, $"{kind}: {string.Join(", ", server.Metrics.Snapshot())}");
        Assert.Equal(0, server.Metrics.Count("dropped", "malformed"));
    }

    [Fact]
    public async Task Binding_BadFingerprint_GetsNoReply()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new UdpTestClient();
        var request = StunTestMessages.Request(StunMethod.Binding);
        request[^1] ^= 0xFF;
        await client.SendAsync(request, server.UdpEndPoint);
        Assert.Null(await client.ReceiveRawAsync(300));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Garbage_OverTcp_ClosesTheConnection(bool kestrel)
    {
        await using var server = await TestServer.StartAsync(tcp: true, kestrel: kestrel);
        using var client = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        await client.SendAsync([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        Assert.Null(await client.ReceiveFrameAsync());
    }

    [Theory]
    [InlineData(0x00, false, false)]
    [InlineData(0x02, false, true)]
    [InlineData(0x04, true, false)]
    [InlineData(0x06, true, true)]
    public async Task ChangeRequest_WithAlternate_AnsweredFromRequestedAddress(int flags, bool changeIP, bool changePort)
    {
        await using var server = await TestServer.StartAsync(alternate: IPAddress.Parse("127.0.0.2"));
        using var client = new UdpTestClient();
        var request = StunTestMessages.Request(StunMethod.Binding, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.ChangeRequest, (uint)flags));
        var response = await client.RequestAsync(request, server.UdpEndPoint);

        var expected = new IPEndPoint(IPAddress.Parse(changeIP ? "127.0.0.2" : "127.0.0.1"), changePort ? server.Udp.AltPort!.Value : server.Udp.Port);
        Assert.Equal(StunMessageType.BindingSuccess, response.Type);
        Assert.Equal(expected, response.From);
        Assert.Equal(expected, response.Address(StunAttributeType.ResponseOrigin, xor: false));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.2"), server.Udp.AltPort!.Value), response.Address(StunAttributeType.OtherAddress, xor: false));
        Assert.Equal(client.LocalEndPoint, response.Address(StunAttributeType.XorMappedAddress, xor: true));
    }

    [Fact]
    public async Task Binding_ToAlternateAddress_ReportsPrimaryAsOther()
    {
        await using var server = await TestServer.StartAsync(alternate: IPAddress.Parse("127.0.0.2"));
        using var client = new UdpTestClient();
        var other = new IPEndPoint(IPAddress.Parse("127.0.0.2"), server.Udp.AltPort!.Value);
        var response = await client.RequestAsync(StunTestMessages.Request(StunMethod.Binding), other);
        Assert.Equal(other, response.From);
        Assert.Equal(server.UdpEndPoint, response.Address(StunAttributeType.OtherAddress, xor: false));
    }

    [Fact]
    public async Task ResponsePort_SendsToTheOtherPortOfTheClient()
    {
        await using var server = await TestServer.StartAsync(alternate: IPAddress.Parse("127.0.0.2"));
        using var client = new UdpTestClient();
        using var receiver = new UdpTestClient();
        var request = StunTestMessages.Request(StunMethod.Binding, (ref StunMessageWriter w) =>
            w.AddUInt32(StunAttributeType.ResponsePort, (uint)receiver.LocalEndPoint.Port << 16));
        await client.SendAsync(request, server.UdpEndPoint);

        var response = await receiver.ReceiveAsync();
        Assert.Equal(StunMessageType.BindingSuccess, response.Type);
        Assert.Equal(client.LocalEndPoint, response.Address(StunAttributeType.XorMappedAddress, xor: true));
        Assert.Null(await client.ReceiveRawAsync(200));
    }
}
