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
}
