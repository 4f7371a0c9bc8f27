using static Confer.Stun.Tests.TestVectors;

namespace Confer.Stun.Tests;

public sealed class StunFramingTests
{
    [Fact]
    public void Stream_OfMixedFrames_SplitsExactly()
    {
        var channelData = new byte[12];
        ChannelData.Write(channelData, 0x4002, [1, 2, 3, 4, 5], pad: true);
        byte[] stream = [.. SampleRequest, .. channelData, .. SampleIPv6Response, .. SampleIPv4Response[..10]];

        var lengths = new List<(int, StreamFrameKind)>();
        var rest = stream.AsSpan();
        bool needMore;
        while (StunFraming.TryGetFrameLength(rest, out int length, out var kind, out needMore))
        {
            lengths.Add((length, kind));
            rest = rest[length..];
        }
        Assert.True(needMore);
        Assert.Equal(10, rest.Length);
        Assert.Equal([(SampleRequest.Length, StreamFrameKind.Stun), (12, StreamFrameKind.ChannelData), (SampleIPv6Response.Length, StreamFrameKind.Stun)], lengths);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("0001", true)]
    [InlineData("00010004", true)]                                // header not complete yet
    [InlineData("400000", true)]
    [InlineData("40000005 0102030405", true)]                      // ChannelData padded to 12 over TCP
    [InlineData("80000000", false)]                                // neither STUN nor ChannelData
    [InlineData("C0000000", false)]
    [InlineData("00010002 2112A442", false)]                       // unaligned STUN length
    [InlineData("00010000 01020304", false)]                       // not the magic cookie
    public void TryGetFrameLength_Partial(string hex, bool needMore)
    {
        Assert.False(StunFraming.TryGetFrameLength(Hex(hex), out _, out _, out var more));
        Assert.Equal(needMore, more);
    }

    [Fact]
    public void ChannelData_FrameLength_IncludesPadding()
    {
        Assert.True(StunFraming.TryGetFrameLength(Hex("40000005 0102030405 000000"), out int length, out var kind, out _));
        Assert.Equal(12, length);
        Assert.Equal(StreamFrameKind.ChannelData, kind);
    }

    [Theory]
    [InlineData("0001FFFC 2112A442")]   // the longest STUN message: 65532 bytes of attributes
    [InlineData("4000FFFF")]            // the longest ChannelData: 65535 bytes, padded
    public void MaxFrameLength_HoldsTheLongestFrames(string header)
    {
        var buffer = new byte[StunFraming.MaxFrameLength];
        Hex(header).CopyTo(buffer, 0);
        Assert.True(StunFraming.TryGetFrameLength(buffer, out int length, out _, out _));
        Assert.InRange(length, 1, StunFraming.MaxFrameLength);
    }
}
