using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Allocations;

namespace Confer.Turn.Tests.Handlers;

/// <summary>A transport address in and out of STUN address attributes through the codec, and into socket addresses.</summary>
public sealed class TransportAddressStunTests
{
    private static readonly TransactionId Id = TransactionId.Read(Convert.FromHexString("b7e7a701bc34d686fa87dfae"));

    [Theory]
    [InlineData("192.0.2.1", true, "0001A147E112A643")]                                  // RFC 5769 §2.2
    [InlineData("2001:db8:1234:5678:11:2233:4455:6677", true, "0002A1470113A9FAA5D3F179BC25F4B5BED2B9D9")] // §2.3
    [InlineData("192.0.2.1", false, "00018055C0000201")]
    [InlineData("::ffff:192.0.2.1", true, "0001A147E112A643")]                           // dual-mode sockets' form: written as IPv4
    public void WriteAttribute_WritesTheCodecsBytes_AndReadsBack(string ip, bool xor, string value)
    {
        var address = TransportAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(ip), 32853));
        var buffer = new byte[64];
        Array.Fill(buffer, (byte)0xFF);
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccess, Id);
        address.WriteAttribute(ref writer, StunAttributeType.XorPeerAddress, xor);
        Assert.Equal(value, Convert.ToHexString(writer.Written[(StunMessage.HeaderLength + 4)..]));
        Assert.Equal(0xFF, buffer[writer.Length]);

        Assert.True(TransportAddressStun.TryReadAddress(Convert.FromHexString(value), xor, Id, out var read));
        Assert.Equal(address, read);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0001A147E112A6")]          // cut
    [InlineData("0003A147E112A643")]        // unknown family
    [InlineData("0002A147E112A643")]        // IPv6 family, IPv4 length
    public void TryReadAddress_Malformed_IsFalse(string value)
    {
        Assert.False(TransportAddressStun.TryReadAddress(Convert.FromHexString(value), xor: true, Id, out _));
    }

    [Fact]
    public void DataIndication_FromPeer_ParsesBack()
    {
        var peer = TransportAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 40000));
        var buffer = new byte[DataIndication.MaxHeaderLength + 8];
        int start = DataIndication.MaxHeaderLength - DataIndication.HeaderLength(peer.AddressLength);
        "hi"u8.CopyTo(buffer.AsSpan(DataIndication.MaxHeaderLength));
        int length = peer.WriteDataIndicationAround(buffer.AsSpan(start), Id, 2);
        Assert.True(StunMessage.TryRead(buffer.AsSpan(start, length), out var message, out _));
        Assert.Equal(DataIndication.Type, message.Type);
        Assert.True(message.TryGetAttribute(StunAttributeType.XorPeerAddress, out var value));
        Assert.True(TransportAddressStun.TryReadAddress(value, xor: true, message.TransactionId, out var read));
        Assert.Equal(peer, read);
        Assert.True(message.TryGetAttribute(StunAttributeType.Data, out var data));
        Assert.Equal("hi"u8.ToArray(), data.ToArray());
    }

    [Theory]
    [InlineData("192.0.2.1", AddressFamily.InterNetwork)]
    [InlineData("192.0.2.1", AddressFamily.InterNetworkV6)]   // mapped into a dual-mode socket's address
    [InlineData("2001:db8::7", AddressFamily.InterNetworkV6)]
    public void WriteTo_SocketAddress_MatchesSerialize(string ip, AddressFamily socketFamily)
    {
        var address = TransportAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(ip), 3478));
        var expected = address.ToSocketAddress(socketFamily);
        var actual = new IPEndPoint(socketFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0).Serialize();
        address.WriteTo(actual);
        Assert.Equal(expected, actual);
        Assert.Equal(address, TransportAddress.FromSocketAddress(actual));
    }

    [Fact]
    public void AddressBytes_RoundTrip()
    {
        Span<byte> bytes = stackalloc byte[16];
        foreach (var ip in new[] { "10.1.2.3", "2001:db8::1" })
        {
            var address = TransportAddress.FromEndPoint(new IPEndPoint(IPAddress.Parse(ip), 9));
            int n = address.WriteAddressBytes(bytes);
            Assert.Equal(address.AddressLength, n);
            Assert.Equal(IPAddress.Parse(ip).GetAddressBytes(), bytes[..n].ToArray());
            Assert.Equal(address, TransportAddress.FromAddressBytes(bytes[..n], 9));
        }
        Assert.Throws<ArgumentException>(() => TransportAddress.FromAddressBytes(new byte[5], 9));
    }
}
