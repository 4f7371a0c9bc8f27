using System.Net;
using Confer.Stun.Attributes;
using static Confer.Stun.Tests.TestVectors;

namespace Confer.Stun.Tests;

public sealed class StunMessageWriterTests
{
    private static readonly TransactionId Id = SampleTransactionId;

    [Fact]
    public void Header_IntoFilledBuffer_HasNoStrayBits()
    {
        var buffer = FilledBuffer(64);
        var writer = new StunMessageWriter(buffer, new StunMessageType(StunMethod.Allocate, StunClass.SuccessResponse), Id);
        Assert.Equal("01030000" + "2112A442" + "B7E7A701BC34D686FA87DFAE", Convert.ToHexString(writer.Written));
        Assert.Equal(StunMessage.HeaderLength, writer.Length);
    }

    [Theory]
    [InlineData(0, "00130000")]
    [InlineData(1, "00130001AA000000")]
    [InlineData(2, "00130002AAAA0000")]
    [InlineData(3, "00130003AAAAAA00")]
    [InlineData(4, "00130004AAAAAAAA")]
    [InlineData(5, "00130005AAAAAAAAAA000000")]
    public void Add_PadsWithZerosAndUpdatesLength(int length, string expected)
    {
        var buffer = FilledBuffer(64);
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Id);
        writer.Add(StunAttributeType.Data, Enumerable.Repeat((byte)0xAA, length).ToArray());
        Assert.Equal(expected, Convert.ToHexString(writer.Written[StunMessage.HeaderLength..]));
        Assert.Equal(writer.Length - StunMessage.HeaderLength, (buffer[2] << 8) | buffer[3]);
        Assert.True(StunMessage.TryRead(writer.Written, out _, out var error), error.ToString());
    }

    [Fact]
    public void Reserve_PastBuffer_Throws()
    {
        var buffer = new byte[28];
        Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Id);
            writer.AddUInt32(StunAttributeType.Lifetime, 1);
            writer.AddUInt32(StunAttributeType.Lifetime, 2);
        });
    }

    [Fact]
    public void Constructor_BufferSmallerThanHeader_Throws()
    {
        Assert.Throws<ArgumentException>(() => new StunMessageWriter(new byte[19], StunMessageType.BindingRequest, Id));
    }

    [Fact]
    public void IntegrityAndFingerprint_VerifyAfterParse()
    {
        var key = "secret"u8.ToArray();
        var buffer = FilledBuffer();
        var writer = new StunMessageWriter(buffer, new StunMessageType(StunMethod.Allocate, StunClass.Request), Id);
        writer.AddRequestedTransport(TransportProtocol.Udp);
        writer.AddLifetime(600);
        writer.AddXorAddress(StunAttributeType.XorPeerAddress, new IPEndPoint(IPAddress.Parse("2001:db8::1"), 9));
        writer.AddMessageIntegrity(key);
        writer.AddMessageIntegritySha256(key);
        writer.AddFingerprint();
        var message = Parse(writer.Written);
        Assert.True(MessageIntegrity.VerifySha1(message, key));
        Assert.True(MessageIntegrity.VerifySha256(message, key));
        Assert.True(Fingerprint.Verify(message));
        Assert.False(MessageIntegrity.VerifySha1(message, "secreT"u8));
        Assert.False(MessageIntegrity.VerifySha256(message, "secreT"u8));
    }

    [Fact]
    public void ScopedSpans_AcceptStackMemory()
    {
        // Keys and values from stackalloc must be usable (the span parameters are scoped).
        Span<byte> key = stackalloc byte[16];
        key.Fill(7);
        Span<byte> buffer = stackalloc byte[128];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Id);
        writer.AddUsername(key[..4]);
        writer.Add(StunAttributeType.Data, key);
        writer.AddMessageIntegrity(key);
        Assert.True(MessageIntegrity.VerifySha1(Parse(writer.Written), key));
    }

    [Fact]
    public void Reserve_BeyondLengthField_Throws()
    {
        var buffer = new byte[70_000];
        Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Id);
            writer.Reserve(StunAttributeType.Data, 65_000);
            writer.Reserve(StunAttributeType.Data, 600);
        });
    }
}
