using Confer.Sfu.Ice;

namespace Confer.Sfu.Tests.Ice;

public sealed class IceTcpFramerTests
{
    private static readonly IceTcpFramer Framer = IceTcpFramer.Instance;

    [Fact]
    public void TryGetFrameLength_WholeFrame_LengthIncludesPrefix()
    {
        byte[] stream = [0x00, 0x03, 0xAA, 0xBB, 0xCC, 0x00, 0x01];
        Assert.True(Framer.TryGetFrameLength(stream, out int length, out _));
        Assert.Equal(5, length);
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC }, IceTcpFramer.Payload(stream.AsSpan(0, length)).ToArray());
    }

    [Fact]
    public void TryGetFrameLength_PartialFrame_NeedsMoreWithKnownLength()
    {
        Assert.False(Framer.TryGetFrameLength([0x01], out _, out bool needMore));
        Assert.True(needMore);
        Assert.False(Framer.TryGetFrameLength([0x01, 0x00, 0x01], out _, out needMore));
        Assert.True(needMore);
    }

    [Fact]
    public void TryGetFrameLength_ZeroLength_NotThisProtocol()
    {
        Assert.False(Framer.TryGetFrameLength([0x00, 0x00, 0x01], out _, out bool needMore));
        Assert.False(needMore);
    }

    [Fact]
    public void Limits_MatchRfc4571()
    {
        Assert.Equal(2, Framer.HeaderLength);
        Assert.Equal(65537, Framer.MaxFrameLength);
        byte[] max = new byte[65537];
        IceTcpFramer.WriteLength(max, 65535);
        Assert.True(Framer.TryGetFrameLength(max, out int length, out _));
        Assert.Equal(65537, length);
        Assert.Throws<ArgumentOutOfRangeException>(() => IceTcpFramer.WriteLength(max, 65536));
    }
}
