using System.Text;
using Confer.Stun.Attributes;
using static Confer.Stun.Tests.TestVectors;

namespace Confer.Stun.Tests.Attributes;

public sealed class StunStringTests
{
    [Theory]
    [InlineData(StunAttributeType.Username, 763, true)]    // RFC 5389 senders: accepted on receipt
    [InlineData(StunAttributeType.Username, 764, false)]
    [InlineData(StunAttributeType.Realm, 127, true)]
    [InlineData(StunAttributeType.Realm, 128, false)]
    [InlineData(StunAttributeType.Nonce, 127, true)]
    [InlineData(StunAttributeType.Nonce, 128, false)]
    [InlineData(StunAttributeType.Software, 127, true)]
    [InlineData(StunAttributeType.Software, 128, false)]
    [InlineData(StunAttributeType.AlternateDomain, 255, true)]
    [InlineData(StunAttributeType.AlternateDomain, 256, false)]
    [InlineData(StunAttributeType.Data, 1, false)]
    public void IsValid_AsciiLengthLimits(StunAttributeType type, int length, bool valid)
    {
        var value = Encoding.ASCII.GetBytes(new string('a', length));
        Assert.Equal(valid, StunString.IsValid(type, value));
        Assert.Equal(valid, StunString.TryRead(type, value, out ReadOnlySpan<byte> _));
    }

    [Fact]
    public void IsValid_CountsCharactersNotBytes()
    {
        // 127 three-byte characters: 381 bytes, fewer than 128 characters: valid. 128 are not.
        var ok = Encoding.UTF8.GetBytes(new string('\u30DE', 127));
        var tooMany = Encoding.UTF8.GetBytes(new string('\u30DE', 128));
        Assert.True(StunString.IsValid(StunAttributeType.Realm, ok));
        Assert.False(StunString.IsValid(StunAttributeType.Realm, tooMany));
    }

    [Theory]
    [InlineData("ff")]
    [InlineData("c3")]          // truncated sequence
    [InlineData("c0af")]        // overlong
    [InlineData("eda080")]      // surrogate
    public void IsValid_RejectsBadUtf8(string hex)
    {
        Assert.False(StunString.IsValid(StunAttributeType.Username, Hex(hex)));
        Assert.False(StunString.TryRead(StunAttributeType.Username, Hex(hex), out string _));
    }

    [Fact]
    public void TryRead_EmptyString_IsValid()
    {
        Assert.True(StunString.TryRead(StunAttributeType.Software, [], out string text));
        Assert.Equal("", text);
    }

    [Fact]
    public void Writer_AtSendingLimits_Succeeds()
    {
        var writer = new StunMessageWriter(new byte[2048], StunMessageType.BindingRequest, SampleTransactionId);
        writer.AddUsername(new string('u', 508));
        writer.AddRealm(new string('r', 127));
        writer.AddAlternateDomain(new string('d', 255));
        Assert.True(StunMessage.TryRead(writer.Written, out _, out _));
    }

    [Fact]
    public void Writer_OverLimit_Throws()
    {
        Assert.Throws<ArgumentException>(() =>
        {
            var writer = new StunMessageWriter(new byte[2048], StunMessageType.BindingRequest, SampleTransactionId);
            writer.AddRealm(new string('r', 128));
        });
        Assert.Throws<ArgumentException>(() =>
        {
            var writer = new StunMessageWriter(new byte[2048], StunMessageType.BindingRequest, SampleTransactionId);
            writer.AddUsername(new string('u', 509));
        });
        Assert.Throws<ArgumentException>(() =>
        {
            var writer = new StunMessageWriter(new byte[2048], StunMessageType.BindingRequest, SampleTransactionId);
            writer.AddSoftware(new string('\u30DE', 127));   // 127 characters in 381 bytes is fine,
            writer.AddNonce(new string('\u30DE', 128));      // 128 characters is not
        });
        Assert.Throws<ArgumentException>(() =>
        {
            var writer = new StunMessageWriter(new byte[2048], StunMessageType.BindingRequest, SampleTransactionId);
            writer.AddNonce([0xFF]);
        });
    }
}
