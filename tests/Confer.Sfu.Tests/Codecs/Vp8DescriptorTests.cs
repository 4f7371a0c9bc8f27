using Confer.Sfu.Codecs;

namespace Confer.Sfu.Tests.Codecs;

public sealed class Vp8DescriptorTests
{
    // A VP8 key frame payload header (RFC 7741 §4.3 / RFC 6386 §9.1): frame tag with P = 0, start code
    // 9D 01 2A, width 640 and height 480 little-endian with zero scale bits.
    private static readonly byte[] KeyframeHeader = [0x50, 0x42, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01];
    // An interframe: P = 1.
    private static readonly byte[] InterframeHeader = [0x31, 0x0E, 0x00];

    [Fact]
    public void TryRead_MinimalKeyframe_IsKeyframeWithSize()
    {
        // |X=0|R|N=0|S=1|R|PID=0| then the payload header.
        byte[] payload = [0x10, .. KeyframeHeader];
        Assert.True(Vp8Descriptor.TryRead(payload, out var d, out var error));
        Assert.Equal(CodecError.None, error);
        Assert.Equal(1, d.Length);
        Assert.True(d.StartOfPartition);
        Assert.Equal(0, d.PartitionId);
        Assert.False(d.HasPictureId);
        Assert.True(d.IsKeyframe);
        Assert.Equal(640, d.Width);
        Assert.Equal(480, d.Height);
    }

    [Fact]
    public void TryRead_AllExtensionsLongPictureId_ReadsEveryField()
    {
        // X=1 N=1 S=1 PID=0 | I L T K | M=1 picture id 0x1234 | TL0PICIDX 0xAB | TID=2 Y=1 KEYIDX=5
        byte[] payload = [0xB0, 0xF0, 0x92, 0x34, 0xAB, 0xA5, .. InterframeHeader];
        Assert.True(Vp8Descriptor.TryRead(payload, out var d, out _));
        Assert.Equal(6, d.Length);
        Assert.True(d.NonReference);
        Assert.Equal(2, d.PictureIdLength);
        Assert.Equal(0x1234, d.PictureId);
        Assert.Equal(2, d.PictureIdOffset);
        Assert.True(d.HasTl0PicIdx);
        Assert.Equal(0xAB, d.Tl0PicIdx);
        Assert.Equal(4, d.Tl0PicIdxOffset);
        Assert.True(d.HasTemporalId);
        Assert.Equal(2, d.TemporalId);
        Assert.True(d.LayerSync);
        Assert.True(d.HasKeyIndex);
        Assert.Equal(5, d.KeyIndex);
        Assert.False(d.IsKeyframe); // P = 1
    }

    [Fact]
    public void TryRead_ShortPictureIdOnly_SevenBits()
    {
        // X=1 S=1 | I | M=0 picture id 0x55
        byte[] payload = [0x90, 0x80, 0x55, .. KeyframeHeader];
        Assert.True(Vp8Descriptor.TryRead(payload, out var d, out _));
        Assert.Equal(3, d.Length);
        Assert.Equal(1, d.PictureIdLength);
        Assert.Equal(0x55, d.PictureId);
        Assert.False(d.HasTl0PicIdx);
        Assert.True(d.IsKeyframe);
    }

    [Fact]
    public void TryRead_KeyIndexWithoutTid_TidZero()
    {
        // K alone still brings the T/K byte (§4.2).
        byte[] payload = [0x80, 0x10, 0xE7];
        Assert.True(Vp8Descriptor.TryRead(payload, out var d, out _));
        Assert.Equal(3, d.Length);
        Assert.False(d.HasTemporalId);
        Assert.Equal(0, d.TemporalId);
        Assert.Equal(7, d.KeyIndex);
    }

    [Theory]
    [InlineData(new byte[] { 0x10, 0x51 }, false)]  // S=1 PID=0 but P=1
    [InlineData(new byte[] { 0x00, 0x50 }, false)]  // S=0: continuation
    [InlineData(new byte[] { 0x11, 0x50 }, false)]  // PID=1: not the first partition
    [InlineData(new byte[] { 0x10, 0x50 }, true)]
    [InlineData(new byte[] { 0x10 }, false)]        // no payload header
    public void TryRead_KeyframeRule_SAndPidAndPBit(byte[] payload, bool keyframe)
    {
        Assert.True(Vp8Descriptor.TryRead(payload, out var d, out _));
        Assert.Equal(keyframe, d.IsKeyframe);
    }

    [Theory]
    [InlineData(new byte[] { }, (int)CodecError.TooShort)]
    [InlineData(new byte[] { 0x80 }, (int)CodecError.Truncated)]
    [InlineData(new byte[] { 0x80, 0x80 }, (int)CodecError.Truncated)]
    [InlineData(new byte[] { 0x80, 0x80, 0x81 }, (int)CodecError.Truncated)]
    [InlineData(new byte[] { 0x80, 0x40 }, (int)CodecError.Truncated)]
    [InlineData(new byte[] { 0x80, 0x20 }, (int)CodecError.Truncated)]
    public void TryRead_Truncated_Error(byte[] payload, int expected)
    {
        Assert.False(Vp8Descriptor.TryRead(payload, out _, out var error));
        Assert.Equal((CodecError)expected, error);
    }

    [Fact]
    public void TryRewrite_LongPictureIdAndTl0_RewrittenInPlaceOnly()
    {
        byte[] payload = [0x90, 0xE0, 0x92, 0x34, 0xAB, 0x40, .. InterframeHeader];
        Assert.True(Vp8Descriptor.TryRead(payload, out var d, out _));
        Assert.True(d.TryRewrite(payload, 0xFFFF, 0x07));
        byte[] expected = [0x90, 0xE0, 0xFF, 0xFF, 0x07, 0x40, .. InterframeHeader]; // 15 bits keep M = 1
        Assert.Equal(expected, payload);
        Assert.True(Vp8Descriptor.TryRead(payload, out var again, out _));
        Assert.Equal(0x7FFF, again.PictureId);
        Assert.Equal(0x07, again.Tl0PicIdx);
    }

    [Fact]
    public void TryRewrite_ShortPictureId_KeepsWidthAndMClear()
    {
        byte[] payload = [0x90, 0x80, 0x55, 0x31];
        Assert.True(Vp8Descriptor.TryRead(payload, out var d, out _));
        Assert.True(d.TryRewrite(payload, 0x1FF, 0x00));
        Assert.Equal(new byte[] { 0x90, 0x80, 0x7F, 0x31 }, payload);
    }

    [Fact]
    public void TryRewrite_NoOptionalFields_LeavesBytes()
    {
        byte[] payload = [0x10, 0x50];
        Assert.True(Vp8Descriptor.TryRead(payload, out var d, out _));
        Assert.True(d.TryRewrite(payload, 9, 9));
        Assert.Equal(new byte[] { 0x10, 0x50 }, payload);
        Assert.False(d.TryRewrite([], 1, 1) && d.Length > 0);
    }
}
