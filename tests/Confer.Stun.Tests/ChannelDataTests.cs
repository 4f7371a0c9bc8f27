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
}
