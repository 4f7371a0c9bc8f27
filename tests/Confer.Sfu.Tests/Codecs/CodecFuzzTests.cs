using Confer.Sfu.Codecs;
using CsCheck;

namespace Confer.Sfu.Tests.Codecs;

/// <summary>Random payloads never make a codec reader throw, and what it reports stays inside the payload.</summary>
public sealed class CodecFuzzTests
{
    private const int Iterations = 20_000;

    [Fact]
    public void Vp8_RandomPayload_NeverThrowsAndStaysInBounds() => Gen.Byte.Array[0, 40].Sample(bytes =>
    {
        if (Vp8Descriptor.TryRead(bytes, out var d, out _))
        {
            Assert.InRange(d.Length, 1, bytes.Length);
            Assert.True(d.PictureIdOffset < d.Length && d.Tl0PicIdxOffset < d.Length);
            Assert.True(d.TryRewrite(bytes, 0x1234, 0x56));
            Assert.True(Vp8Descriptor.TryRead(bytes, out var again, out _));
            Assert.Equal(d.Length, again.Length);
        }
    }, iter: Iterations);

    [Fact]
    public void H264_RandomPayload_NeverThrows() => Gen.Byte.Array[0, 40].Sample(bytes =>
    {
        if (H264Payload.TryRead(bytes, out var info, out _))
            Assert.InRange(info.NalCount, 1, bytes.Length);
    }, iter: Iterations);

    [Fact]
    public void Vp9_RandomPayload_NeverThrowsAndStaysInBounds() => Gen.Byte.Array[0, 40].Sample(bytes =>
    {
        if (Vp9Descriptor.TryRead(bytes, out var d, out _))
            Assert.InRange(d.Length, 1, bytes.Length);
    }, iter: Iterations);
}
