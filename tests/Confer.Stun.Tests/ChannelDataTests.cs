using static Confer.Stun.Tests.TestVectors;

namespace Confer.Stun.Tests;

public sealed class ChannelDataTests
{
    [Theory]
    [InlineData(0, false, "40010000")]
    [InlineData(5, false, "40010005AAAAAAAAAA")]
    [InlineData(5, true, "40010005AAAAAAAAAA000000")]
    [InlineData(4, true, "40010004AAAAAAAA")]
    public void Write_IntoFilledBuffer(int length, bool pad, string expected)
    {
        var buffer = FilledBuffer(32);
        int written = ChannelData.Write(buffer, 0x4001, Enumerable.Repeat((byte)0xAA, length).ToArray(), pad);
        Assert.Equal(expected, Convert.ToHexString(buffer, 0, written));
        Assert.Equal(0xFF, buffer[written]);
        Assert.True(ChannelData.TryRead(buffer.AsSpan(0, written), out var message));
        Assert.Equal(0x4001, message.Channel);
        Assert.Equal(length, message.Data.Length);
    }

    [Theory]
    [InlineData("4001")]                 // header cut
    [InlineData("40010005AAAAAAAA")]     // data cut
    [InlineData("3FFF0000")]             // below the channel range
    [InlineData("50000000")]             // above it
    [InlineData("00010000")]             // STUN
    public void TryRead_Malformed_IsFalse(string hex)
    {
        Assert.False(ChannelData.TryRead(Hex(hex), out _));
    }

    [Fact]
    public void LooksLikeChannelData_ChecksFirstBits()
    {
        Assert.True(ChannelData.LooksLikeChannelData(Hex("40000000")));
        Assert.True(ChannelData.LooksLikeChannelData(Hex("7FFF0000")));
        Assert.False(ChannelData.LooksLikeChannelData(Hex("00010000")));
        Assert.False(ChannelData.LooksLikeChannelData(Hex("8000")));
        Assert.True(ChannelData.IsValidChannel(0x4FFF));
        Assert.False(ChannelData.IsValidChannel(0x5000));
    }

    [Fact]
    public void Write_TooSmall_Throws()
    {
        Assert.Throws<ArgumentException>(() => ChannelData.Write(new byte[8], 0x4000, new byte[5], pad: true));
    }

    [Theory]
    [InlineData(0, false, "40020000")]
    [InlineData(5, false, "40020005AAAAAAAAAA")]
    [InlineData(5, true, "40020005AAAAAAAAAA000000")]
    [InlineData(7, true, "40020007AAAAAAAAAAAAAA00")]
    public void WriteAround_DataInPlace_IntoFilledBuffer(int length, bool pad, string expected)
    {
        var buffer = FilledBuffer(32);
        buffer.AsSpan(ChannelData.HeaderLength, length).Fill(0xAA);
        int written = ChannelData.WriteAround(buffer, 0x4002, length, pad);
        Assert.Equal(expected, Convert.ToHexString(buffer, 0, written));
        Assert.Equal(ChannelData.FrameLength(length, pad), written);
        Assert.Equal(0xFF, buffer[written]);
        Assert.True(ChannelData.TryRead(buffer.AsSpan(0, written), out var message));
        Assert.Equal(length, message.Data.Length);
    }

    [Fact]
    public void WriteAround_BadArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => ChannelData.WriteAround(new byte[8], 0x4000, 5, pad: true));
        Assert.Throws<ArgumentException>(() => ChannelData.WriteAround(new byte[8], 0x4000, 5, pad: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChannelData.WriteAround(new byte[8], 0x4000, -1, pad: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChannelData.WriteAround(new byte[70_000], 0x4000, 65_536, pad: false));
    }

    [Theory]
    [InlineData("40000000", true, true)]
    [InlineData("4FFF0000", true, true)]
    [InlineData("50000000", false, true)]     // RFC 5766's range only
    [InlineData("7FFF0000", false, true)]
    [InlineData("3FFF0000", false, false)]
    [InlineData("80000000", false, false)]    // not ChannelData at all
    [InlineData("5000", false, false)]        // cut
    public void TryRead_Rfc5766Range(string hex, bool rfc8656, bool rfc5766)
    {
        Assert.Equal(rfc8656, ChannelData.TryRead(Hex(hex), out _));
        Assert.Equal(rfc8656, ChannelData.TryRead(Hex(hex), rfc5766Range: false, out _));
        Assert.Equal(rfc5766, ChannelData.TryRead(Hex(hex), rfc5766Range: true, out var message));
        if (rfc5766) Assert.Equal(Convert.ToUInt16(hex[..4], 16), message.Channel);
        Assert.True(ChannelData.IsRfc5766Channel(0x7FFF));
        Assert.False(ChannelData.IsRfc5766Channel(0x8000));
    }
}
