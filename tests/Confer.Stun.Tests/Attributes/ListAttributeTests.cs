using Confer.Stun.Attributes;
using Confer.Stun.Auth;
using static Confer.Stun.Tests.TestVectors;

namespace Confer.Stun.Tests.Attributes;

/// <summary>UNKNOWN-ATTRIBUTES and PASSWORD-ALGORITHMS: the two list-valued attributes.</summary>
public sealed class ListAttributeTests
{
    [Fact]
    public void UnknownAttributes_CopiesIntoSpan()
    {
        Span<ushort> types = stackalloc ushort[4];
        Assert.True(UnknownAttributes.TryRead(Hex("0005 7FFF 0031"), types, out int count));
        Assert.Equal(new ushort[] { 0x0005, 0x7FFF, 0x0031 }, types[..count].ToArray());
        Assert.False(UnknownAttributes.TryRead(Hex("0005 7FFF 0031"), types[..2], out _));
        Assert.False(UnknownAttributes.TryRead(Hex("0005 7F"), out _));
        Assert.True(UnknownAttributes.TryRead([], out count));
        Assert.Equal(0, count);
    }

    [Fact]
    public void UnknownAttributes_OddCount_IsPaddedNotRepeated()
    {
        var buffer = FilledBuffer(64);
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, SampleTransactionId);
        writer.AddUnknownAttributes([0x0005]);
        Assert.Equal("000A000200050000", Convert.ToHexString(writer.Written[20..]));
    }

    [Fact]
    public void PasswordAlgorithms_WithParameters_Enumerates()
    {
        // MD5 without parameters; algorithm 0x1234 with 3 bytes of parameters (padded to 4); SHA-256.
        var value = Hex("0001 0000  1234 0003 AABBCC00  0002 0000");
        Assert.True(PasswordAlgorithms.TryRead(value, out int count));
        Assert.Equal(3, count);
        var seen = new List<(PasswordAlgorithm, string)>();
        foreach (var entry in PasswordAlgorithms.Enumerate(value)) seen.Add((entry.Algorithm, Convert.ToHexString(entry.Parameters)));
        Assert.Equal([(PasswordAlgorithm.Md5, ""), ((PasswordAlgorithm)0x1234, "AABBCC"), (PasswordAlgorithm.Sha256, "")], seen);
        Assert.True(PasswordAlgorithms.Contains(value, PasswordAlgorithm.Sha256));
        Assert.False(PasswordAlgorithms.Contains(value, (PasswordAlgorithm)7));
    }

    [Theory]
    [InlineData("0001")]
    [InlineData("0001 0004 AABB")]
    [InlineData("0001 0000 0002")]
    public void PasswordAlgorithms_Malformed_IsFalse(string hex)
    {
        Assert.False(PasswordAlgorithms.TryRead(Hex(hex), out _));
    }

    [Theory]
    [InlineData("00010000", true)]
    [InlineData("00020000", true)]
    [InlineData("000100000002", false)]
    [InlineData("0001000000020000", false)]   // one entry only in PASSWORD-ALGORITHM
    [InlineData("00", false)]
    public void PasswordAlgorithm_Single(string hex, bool valid)
    {
        Assert.Equal(valid, PasswordAlgorithms.TryReadOne(Hex(hex), out _, out _));
    }

    [Fact]
    public void ErrorCode_InvalidClassOrNumber_IsFalse()
    {
        Assert.False(ErrorCode.TryRead(Hex("00000200"), out _, out _));   // class 2
        Assert.False(ErrorCode.TryRead(Hex("00000700"), out _, out _));   // class 7
        Assert.False(ErrorCode.TryRead(Hex("00000464"), out _, out _));   // number 100
        Assert.False(ErrorCode.TryRead(Hex("000004"), out _, out _));
        Assert.True(ErrorCode.TryRead(Hex("FFFFFB01"), out var code, out _));  // reserved bits ignored
        Assert.Equal(301, code);
    }

    [Fact]
    public void ErrorCode_Writer_RejectsBadCodeAndLongReason()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var writer = new StunMessageWriter(new byte[2048], StunMessageType.BindingRequest, SampleTransactionId);
            writer.AddErrorCode(200, "OK");
        });
        Assert.Throws<ArgumentException>(() =>
        {
            var writer = new StunMessageWriter(new byte[2048], StunMessageType.BindingRequest, SampleTransactionId);
            writer.AddErrorCode(400, new string('x', 128));
        });
    }

    [Fact]
    public void Icmp_Writer_RejectsOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var writer = new StunMessageWriter(new byte[64], StunMessageType.BindingRequest, SampleTransactionId);
            writer.AddIcmp(128, 0, 0);
        });
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var writer = new StunMessageWriter(new byte[64], StunMessageType.BindingRequest, SampleTransactionId);
            writer.AddIcmp(0, 512, 0);
        });
    }

    [Fact]
    public void ReservedBits_AreIgnoredOnRead()
    {
        Assert.True(ChannelNumber.TryRead(Hex("4001FFFF"), out var channel));
        Assert.Equal(0x4001, channel);
        Assert.True(EvenPort.TryRead(Hex("7F"), out var reserve));
        Assert.False(reserve);
        Assert.True(ChangeRequest.TryRead(Hex("FFFFFFF9"), out var flags));
        Assert.Equal(ChangeRequestFlags.None, flags);
        Assert.True(RequestedTransport.TryRead(Hex("11FFFFFF"), out var protocol));
        Assert.Equal(TransportProtocol.Udp, protocol);
    }

    [Theory]
    [InlineData("0002 0000 0001 0000", true)]            // exactly SHA-256, MD5
    [InlineData("0001 0000 0002 0000", false)]           // the other order
    [InlineData("0002 0000", false)]                     // one missing
    [InlineData("0002 0000 0001 0000 0001 0000", false)] // one too many
    [InlineData("0002 0004 AABBCCDD 0001 0000", false)]  // parameters
    [InlineData("0002 0000 0001 00", false)]             // cut
    [InlineData("0002 0000 0001 0004", false)]           // parameters past the end
    [InlineData("", false)]
    public void PasswordAlgorithms_Matches_IsExact(string hex, bool expected)
    {
        Assert.Equal(expected, PasswordAlgorithms.Matches(Hex(hex), [PasswordAlgorithm.Sha256, PasswordAlgorithm.Md5]));
    }

    [Fact]
    public void PasswordAlgorithms_Matches_WhatTheWriterWrites()
    {
        var buffer = new byte[64];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, SampleTransactionId);
        writer.AddPasswordAlgorithms([PasswordAlgorithm.Sha256, PasswordAlgorithm.Md5]);
        Assert.True(Parse(writer.Written).TryGetAttribute(StunAttributeType.PasswordAlgorithms, out var value));
        Assert.True(PasswordAlgorithms.Matches(value, [PasswordAlgorithm.Sha256, PasswordAlgorithm.Md5]));
        Assert.True(PasswordAlgorithms.Matches([], []));
    }

    [Fact]
    public void AddressErrorCode_UnderAnotherType_Throws()
    {
        var buffer = new byte[128];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, SampleTransactionId);
        bool threw = false;
        try { writer.AddAddressErrorCode(StunAttributeType.ErrorCode, StunAddressFamily.IPv4, 440); }
        catch (ArgumentException) { threw = true; }
        Assert.True(threw);
    }
}
