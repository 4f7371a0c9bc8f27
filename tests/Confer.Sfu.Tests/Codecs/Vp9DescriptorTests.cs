using Confer.Sfu.Codecs;

namespace Confer.Sfu.Tests.Codecs;

public sealed class Vp9DescriptorTests
{
    [Fact]
    public void TryRead_NonFlexibleKeyframeWithSs_ReadsLayersAndSize()
    {
        byte[] payload =
        [
            0xAA,             // I=1 P=0 L=1 F=0 B=1 E=0 V=1 Z=0
            0x81, 0x23,       // M=1 picture id 0x0123
            0x00,             // TID=0 U=0 SID=0 D=0
            0x11,             // TL0PICIDX
            0x38,             // SS: N_S=1 (2 layers) Y=1 G=1
            0x01, 0x40, 0x00, 0xB4, // 320x180
            0x02, 0x80, 0x01, 0x68, // 640x360
            0x02,             // N_G = 2
            0x04, 0x01,       // TID=0 U=0 R=1, P_DIFF 1
            0x30,             // TID=1 U=1 R=0
            0xDE, 0xAD,       // VP9 payload
        ];
        Assert.True(Vp9Descriptor.TryRead(payload, out var d, out var error));
        Assert.Equal(CodecError.None, error);
        Assert.Equal(payload.Length - 2, d.Length);
        Assert.True(d.HasPictureId && d.LongPictureId);
        Assert.Equal(0x0123, d.PictureId);
        Assert.True(d.HasTl0PicIdx);
        Assert.Equal(0x11, d.Tl0PicIdx);
        Assert.Equal(2, d.SpatialLayers);
        Assert.Equal(640, d.Width);
        Assert.Equal(360, d.Height);
        Assert.True(d.StartOfFrame && !d.EndOfFrame);
        Assert.True(d.IsKeyframe);
    }

    [Fact]
    public void TryRead_FlexibleInterFrame_PDiffsSkipped()
    {
        byte[] payload =
        [
            0xFC,             // I=1 P=1 L=1 F=1 B=1 E=1
            0x05,             // 7-bit picture id 5
            0x53,             // TID=2 U=1 SID=1 D=1
            0x03, 0x04,       // P_DIFF 1 (N=1), P_DIFF 2 (N=0)
            0xFF,
        ];
        Assert.True(Vp9Descriptor.TryRead(payload, out var d, out _));
        Assert.Equal(5, d.Length);
        Assert.Equal(2, d.TemporalId);
        Assert.True(d.SwitchingUpPoint);
        Assert.Equal(1, d.SpatialId);
        Assert.True(d.InterLayerDependency);
        Assert.False(d.HasTl0PicIdx);
        Assert.False(d.IsKeyframe);
    }

    [Theory]
    [InlineData(new byte[] { 0x08 }, true)]        // B only: no layers, independent
    [InlineData(new byte[] { 0x48 }, false)]       // P=1
    [InlineData(new byte[] { 0x00 }, false)]       // not a frame start
    [InlineData(new byte[] { 0x28, 0x02, 0x00 }, false)] // SID=1: not the base layer
    [InlineData(new byte[] { 0x28, 0x00, 0x00 }, true)]
    public void TryRead_KeyframeRule(byte[] payload, bool keyframe)
    {
        Assert.True(Vp9Descriptor.TryRead(payload, out var d, out _));
        Assert.Equal(keyframe, d.IsKeyframe);
    }

    [Theory]
    [InlineData(new byte[] { }, (int)CodecError.TooShort)]
    [InlineData(new byte[] { 0x80 }, (int)CodecError.Truncated)]
    [InlineData(new byte[] { 0x80, 0x80 }, (int)CodecError.Truncated)]
    [InlineData(new byte[] { 0x20, 0x00 }, (int)CodecError.Truncated)]       // L without TL0PICIDX (F=0)
    [InlineData(new byte[] { 0x50, 0x01, 0x01, 0x01 }, (int)CodecError.Malformed)] // 4 P_DIFFs wanted
    [InlineData(new byte[] { 0x50, 0x01 }, (int)CodecError.Truncated)]
    [InlineData(new byte[] { 0x02, 0x10, 0x00 }, (int)CodecError.Truncated)] // SS with Y and too few size bytes
    [InlineData(new byte[] { 0x02, 0x08, 0x01, 0x0C }, (int)CodecError.Truncated)] // group wants 3 P_DIFFs
    public void TryRead_Bad_Error(byte[] payload, int expected)
    {
        Assert.False(Vp9Descriptor.TryRead(payload, out _, out var error));
        Assert.Equal((CodecError)expected, error);
    }
}
