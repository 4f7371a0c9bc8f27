using Confer.Sfu.Codecs;

namespace Confer.Sfu.Tests.Codecs;

public sealed class H264PayloadTests
{
    [Theory]
    [InlineData(0x65, H264Payload.NalIdr, true)]   // NRI=3, IDR slice
    [InlineData(0x67, H264Payload.NalSps, true)]   // SPS
    [InlineData(0x68, H264Payload.NalPps, false)]  // PPS alone
    [InlineData(0x41, 1, false)]                   // non-IDR slice
    [InlineData(0x06, 6, false)]                   // SEI
    public void TryRead_SingleNal_TypeAndKeyframe(byte header, byte type, bool keyframe)
    {
        byte[] payload = [header, 0x88, 0x84, 0x00];
        Assert.True(H264Payload.TryRead(payload, out var info, out var error));
        Assert.Equal(CodecError.None, error);
        Assert.Equal(H264Packetization.SingleNal, info.Packetization);
        Assert.Equal(type, info.NalType);
        Assert.Equal(keyframe, info.IsKeyframe);
        Assert.True(info.IsStartOfNal && info.IsEndOfNal);
    }

    [Fact]
    public void TryRead_StapASpsPpsIdr_KeyframeWithThreeUnits()
    {
        // RFC 6184 §5.7.1 Figure 7 layout: STAP-A header, then size + NAL unit per aggregation unit.
        byte[] payload =
        [
            0x78,                                     // F=0 NRI=3 type 24
            0x00, 0x04, 0x67, 0x42, 0xC0, 0x1F,       // SPS
            0x00, 0x02, 0x68, 0xCE,                   // PPS
            0x00, 0x03, 0x65, 0x88, 0x80,             // IDR
        ];
        Assert.True(H264Payload.TryRead(payload, out var info, out _));
        Assert.Equal(H264Packetization.StapA, info.Packetization);
        Assert.Equal(3, info.NalCount);
        Assert.Equal(H264Payload.NalSps, info.NalType);
        Assert.True(info.HasSps && info.HasPps && info.IsKeyframe);
    }

    [Fact]
    public void TryRead_StapANonIdr_NotKeyframe()
    {
        byte[] payload = [0x78, 0x00, 0x01, 0x06, 0x00, 0x02, 0x41, 0x9A];
        Assert.True(H264Payload.TryRead(payload, out var info, out _));
        Assert.Equal(2, info.NalCount);
        Assert.False(info.IsKeyframe);
    }

    [Theory]
    [InlineData(new byte[] { 0x78 }, (int)CodecError.Truncated)]
    [InlineData(new byte[] { 0x78, 0x00 }, (int)CodecError.Truncated)]
    [InlineData(new byte[] { 0x78, 0x00, 0x05, 0x65 }, (int)CodecError.Truncated)]
    [InlineData(new byte[] { 0x78, 0x00, 0x00 }, (int)CodecError.Malformed)]
    [InlineData(new byte[] { 0x78, 0x00, 0x01, 0x65, 0x00 }, (int)CodecError.Truncated)]
    [InlineData(new byte[] { 0x7C }, (int)CodecError.Truncated)]
    [InlineData(new byte[] { 0x7C, 0xC5 }, (int)CodecError.Malformed)]   // FU-A with S and E both set
    [InlineData(new byte[] { 0x60 }, (int)CodecError.Malformed)]         // type 0
    [InlineData(new byte[] { 0x79, 0x00 }, (int)CodecError.Unsupported)] // STAP-B
    [InlineData(new byte[] { 0x7D, 0x85 }, (int)CodecError.Unsupported)] // FU-B
    [InlineData(new byte[] { }, (int)CodecError.TooShort)]
    public void TryRead_Bad_Error(byte[] payload, int expected)
    {
        Assert.False(H264Payload.TryRead(payload, out _, out var error));
        Assert.Equal((CodecError)expected, error);
    }

    [Theory]
    [InlineData(0x85, true, true, false)]   // S=1 IDR
    [InlineData(0x05, false, false, false)] // middle IDR fragment
    [InlineData(0x45, false, false, true)]  // E=1 IDR
    [InlineData(0x81, false, true, false)]  // S=1 non-IDR
    public void TryRead_FuA_KeyframeOnlyAtIdrStart(byte fuHeader, bool keyframe, bool start, bool end)
    {
        // RFC 6184 §5.8: FU indicator (F|NRI|28), FU header (S|E|R|Type).
        byte[] payload = [0x7C, fuHeader, 0xAA, 0xBB];
        Assert.True(H264Payload.TryRead(payload, out var info, out _));
        Assert.Equal(H264Packetization.FuA, info.Packetization);
        Assert.Equal(fuHeader & 0x1F, info.NalType);
        Assert.Equal(keyframe, info.IsKeyframe);
        Assert.Equal(start, info.IsStartOfNal);
        Assert.Equal(end, info.IsEndOfNal);
    }
}
