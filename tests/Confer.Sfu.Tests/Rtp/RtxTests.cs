using Confer.Sfu.Rtp;

namespace Confer.Sfu.Tests.Rtp;

public sealed class RtxTests
{
    [Fact]
    public void TryWrite_FromPaddedOriginal_WritesRfc4588LayoutInto0xFFBuffer()
    {
        Assert.True(RtpPacket.TryRead(RtpTestPackets.OneByte(), out var original, out _));
        var buffer = Enumerable.Repeat((byte)0xFF, 64).ToArray();
        Assert.True(Rtx.TryWrite(original, buffer, rtxSsrc: 0x55667788, rtxPayloadType: 97, rtxSequence: 7, out int written, out _));

        var expected = RtpTestPackets.OneByte()[..32];
        expected[0] = 0x91;                                           // P cleared, X and CC kept
        expected[1] = 0x80 | 97;                                      // marker kept, RTX payload type
        expected[2] = 0x00; expected[3] = 0x07;                       // RTX sequence
        expected[8] = 0x55; expected[9] = 0x66; expected[10] = 0x77; expected[11] = 0x88;
        expected = [.. expected, 0x12, 0x34, 0xAA, 0xBB, 0xCC];       // OSN, original payload, no padding
        Assert.Equal(expected, buffer[..written]);
        Assert.All(buffer[written..], b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void TryRestoreOriginal_AfterTryWrite_GivesOriginalWithoutPadding()
    {
        var bytes = RtpTestPackets.OneByte();
        Assert.True(RtpPacket.TryRead(bytes, out var original, out _));
        var rtxBuffer = new byte[64];
        Assert.True(Rtx.TryWrite(original, rtxBuffer, 0x55667788, 97, 7, out int rtxLength, out _));
        Assert.True(RtpPacket.TryRead(rtxBuffer.AsSpan(0, rtxLength), out var rtx, out _));
        Assert.True(Rtx.TryReadOriginalSequenceNumber(rtx, out ushort osn, out _));
        Assert.Equal(0x1234, osn);

        var restored = new byte[64];
        Assert.True(Rtx.TryRestoreOriginal(rtx, restored, 0x11223344, 96, out int length, out _));
        var expected = bytes[..35];
        expected[0] &= 0xDF;
        Assert.Equal(expected, restored[..length]);
    }

    [Fact]
    public void TryWrite_DestinationTooSmall_ReturnsError()
    {
        Assert.True(RtpPacket.TryRead(RtpTestPackets.Plain(), out var original, out _));
        Assert.False(Rtx.TryWrite(original, new byte[17], 1, 97, 1, out _, out var error));
        Assert.Equal(RtpError.DestinationTooSmall, error);
        Assert.True(Rtx.TryWrite(original, new byte[18], 1, 97, 1, out int written, out _));
        Assert.Equal(18, written);
    }

    [Fact]
    public void TryReadOriginalSequenceNumber_PayloadShorterThanTwo_ReturnsError()
    {
        Assert.True(RtpPacket.TryRead(Convert.FromHexString("80610001000000010000000112"), out var rtx, out _));
        Assert.False(Rtx.TryReadOriginalSequenceNumber(rtx, out _, out var error));
        Assert.Equal(RtpError.RtxPayloadTooShort, error);
        Assert.False(Rtx.TryRestoreOriginal(rtx, new byte[64], 1, 96, out _, out error));
        Assert.Equal(RtpError.RtxPayloadTooShort, error);
    }
}
