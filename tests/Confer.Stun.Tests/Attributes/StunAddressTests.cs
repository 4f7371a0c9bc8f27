using System.Net;
using Confer.Stun.Attributes;
using static Confer.Stun.Tests.TestVectors;

namespace Confer.Stun.Tests.Attributes;

public sealed class StunAddressTests
{
    [Theory]
    [InlineData("0003 1234 01020304")]                          // unknown family
    [InlineData("0001 1234 010203")]                            // IPv4 one short
    [InlineData("0001 1234 0102030405")]                        // IPv4 one long
    [InlineData("0002 1234 01020304")]                          // IPv6 family, IPv4 length
    [InlineData("0001 12")]                                     // header cut
    [InlineData("")]
    public void TryRead_Malformed_IsFalse(string hex)
    {
        var value = Hex(hex);
        Assert.False(StunAddress.TryRead(value, xor: false, SampleTransactionId, out IPEndPoint _));
        Assert.False(StunAddress.TryRead(value, xor: true, SampleTransactionId, out IPEndPoint _));
    }

    [Fact]
    public void TryRead_SpanOverload_DoesNotNeedIPAddress()
    {
        Span<byte> address = stackalloc byte[16];
        Assert.True(StunAddress.TryRead(Hex("0001A147E112A643"), xor: true, SampleTransactionId, address, out var family, out var port));
        Assert.Equal(StunAddress.FamilyIPv4, family);
        Assert.Equal(32853, port);
        Assert.Equal(new byte[] { 192, 0, 2, 1 }, address[..4].ToArray());
        Assert.False(StunAddress.TryRead(Hex("0002A1470113A9FAA5D3F179BC25F4B5BED2B9D9"), xor: true, SampleTransactionId, address[..4], out _, out _));
    }

    [Fact]
    public void Xor_IPv6_DependsOnTransactionId()
    {
        var value = Hex("0002A1470113A9FAA5D3F179BC25F4B5BED2B9D9");
        Assert.True(StunAddress.TryRead(value, xor: true, TransactionId.New(), out IPEndPoint other));
        Assert.NotEqual(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), other.Address);
        Assert.Equal(32853, other.Port);   // the port only depends on the cookie
    }

    [Fact]
    public void EncodedLength_MapsIPv4InIPv6ToIPv4()
    {
        Assert.Equal(8, StunAddress.EncodedLength(IPAddress.Parse("::ffff:10.0.0.1")));
        Assert.Equal(20, StunAddress.EncodedLength(IPAddress.IPv6Loopback));
        Assert.Equal(8, StunAddress.EncodedLength(IPAddress.Loopback));
    }

    // RFC 5769 §2.2 and §2.3: XOR-MAPPED-ADDRESS 192.0.2.1:32853 and [2001:db8:1234:5678:11:2233:4455:6677]:32853.
    [Theory]
    [InlineData("C0000201", true, "0001A147E112A643")]
    [InlineData("20010DB8123456780011223344556677", true, "0002A1470113A9FAA5D3F179BC25F4B5BED2B9D9")]
    [InlineData("C0000201", false, "00018055C0000201")]
    [InlineData("20010DB8123456780011223344556677", false, "0002805520010DB8123456780011223344556677")]
    public void Write_RawAddress_IntoFilledBuffer_MatchesRfc5769(string address, bool xor, string expected)
    {
        var buffer = FilledBuffer(32);
        int written = StunAddress.Write(buffer, Hex(address), 32853, xor, SampleTransactionId);
        Assert.Equal(expected, Convert.ToHexString(buffer, 0, written));
        Assert.Equal(StunAddress.EncodedLength(Hex(address).Length), written);
        Assert.Equal(0xFF, buffer[written]);
    }

    [Fact]
    public void Write_RawAndEndPoint_AreTheSameEncoder()
    {
        foreach (var text in new[] { "192.0.2.1", "2001:db8::1", "::ffff:10.1.2.3", "::1", "255.255.255.255" })
        {
            var endpoint = new IPEndPoint(IPAddress.Parse(text), 65535);
            var viaEndPoint = FilledBuffer(StunAddress.EncodedLength(endpoint.Address));
            StunAddress.Write(viaEndPoint, endpoint, xor: true, SampleTransactionId);
            var viaRaw = FilledBuffer(viaEndPoint.Length);
            StunAddress.Write(viaRaw, StunAddress.Normalize(endpoint.Address).GetAddressBytes(), 65535, xor: true, SampleTransactionId);
            Assert.Equal(Convert.ToHexString(viaEndPoint), Convert.ToHexString(viaRaw));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(17)]
    public void Write_RawAddressOfBadLength_Throws(int length)
    {
        Assert.Throws<ArgumentException>(() => StunAddress.Write(new byte[32], new byte[length], 1, xor: true, SampleTransactionId));
    }

    [Fact]
    public void Write_RawAddress_DestinationTooSmall_Throws()
    {
        Assert.Throws<ArgumentException>(() => StunAddress.Write(new byte[19], new byte[16], 1, xor: false, SampleTransactionId));
        Assert.Throws<ArgumentException>(() => StunAddress.Write(new byte[7], new byte[4], 1, xor: false, SampleTransactionId));
    }

    [Fact]
    public void Writer_AddXorAddress_RawBytes_IsReadBackByTheMessage()
    {
        var buffer = new byte[64];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccess, SampleTransactionId);
        writer.AddXorAddress(StunAttributeType.XorMappedAddress, [192, 0, 2, 1], 32853);
        var message = Parse(writer.Written);
        Assert.True(message.TryGetXorAddress(StunAttributeType.XorMappedAddress, out var endpoint));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853), endpoint);
    }

    [Theory]
    [InlineData("0001A147E112A643", 4)]
    [InlineData("0002A1470113A9FAA5D3F179BC25F4B5BED2B9D9", 16)]
    public void TryRead_RawAddress_TooSmallDestination_IsFalse(string value, int needed)
    {
        Span<byte> address = stackalloc byte[16];
        Assert.False(StunAddress.TryRead(Hex(value), xor: true, SampleTransactionId, address[..(needed - 1)], out _, out _));
        Assert.True(StunAddress.TryRead(Hex(value), xor: true, SampleTransactionId, address[..needed], out _, out _));
    }
}
