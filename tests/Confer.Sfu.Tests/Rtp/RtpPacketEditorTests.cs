using Confer.Sfu.Rtp;

namespace Confer.Sfu.Tests.Rtp;

public sealed class RtpPacketEditorTests
{
    [Fact]
    public void Setters_FixedFields_RewriteOnlyTheirBits()
    {
        var bytes = RtpTestPackets.OneByte();
        var before = (byte[])bytes.Clone();
        RtpPacketEditor.SetSequenceNumber(bytes, 0xBEEF);
        RtpPacketEditor.SetTimestamp(bytes, 0x01020304);
        RtpPacketEditor.SetSsrc(bytes, 0xA1B2C3D4);
        RtpPacketEditor.SetPayloadType(bytes, 111);
        RtpPacketEditor.SetMarker(bytes, false);

        Assert.Equal(new byte[] { 0xB1, 111, 0xBE, 0xEF, 1, 2, 3, 4, 0xA1, 0xB2, 0xC3, 0xD4 }, bytes[..12]);
        Assert.Equal(before[12..], bytes[12..]);
        RtpPacketEditor.SetMarker(bytes, true);
        RtpPacketEditor.SetPayloadType(bytes, 0xFF); // only 7 bits are kept
        Assert.Equal(0xFF, bytes[1]);
        RtpPacketEditor.SetPayloadType(bytes, 0);
        Assert.Equal(0x80, bytes[1]);
    }

    [Fact]
    public void TrySetAbsSendTimeAndTransportSequence_InPlace_OnlyValueBytesChange()
    {
        var bytes = RtpTestPackets.OneByte();
        var before = (byte[])bytes.Clone();
        Assert.True(RtpPacketEditor.TrySetAbsSendTime(bytes, 1, 0xABCDEF, out _));
        Assert.True(RtpPacketEditor.TrySetTransportSequenceNumber(bytes, 3, 0x0102, out _));
        before[21] = 0xAB; before[22] = 0xCD; before[23] = 0xEF;
        before[25] = 0x01; before[26] = 0x02;
        Assert.Equal(before, bytes);
        Assert.True(RtpPacket.TryRead(bytes, out var packet, out _));
        Assert.True(packet.TryGetTransportSequenceNumber(3, out ushort seq));
        Assert.Equal(0x0102, seq);
    }

    [Fact]
    public void TryWriteExtension_MidSameLength_Rewrites_OtherLengthRefused()
    {
        var bytes = RtpTestPackets.OneByte();
        Assert.True(RtpPacketEditor.TryWriteExtension(bytes, 2, "b7"u8, out _));
        Assert.True(RtpPacket.TryRead(bytes, out var packet, out _));
        Assert.True(packet.ExtensionEquals(2, "b7"u8));
        Assert.False(RtpPacketEditor.TryWriteExtension(bytes, 2, "abc"u8, out var error));
        Assert.Equal(RtpError.ExtensionLengthMismatch, error);
        Assert.False(RtpPacketEditor.TryWriteExtension(bytes, 9, "ab"u8, out error));
        Assert.Equal(RtpError.ExtensionNotFound, error);
        Assert.False(RtpPacketEditor.TryWriteExtension(bytes.AsSpan(0, 5), 2, "ab"u8, out error));
        Assert.Equal(RtpError.TooShort, error);
    }

    [Fact]
    public void TrySetAudioLevel_TwoByteForm_WritesVBitAndClampsLevel()
    {
        var bytes = RtpTestPackets.TwoByte();
        Assert.True(RtpPacketEditor.TrySetAudioLevel(bytes, 1, false, 200, out _));
        Assert.Equal(0x7F, bytes[18]);
        Assert.True(RtpPacketEditor.TrySetAudioLevel(bytes, 1, true, 3, out _));
        Assert.Equal(0x83, bytes[18]);
        Assert.True(RtpPacket.TryRead(bytes, out var packet, out _));
        Assert.True(packet.TryGetAudioLevel(1, out bool voice, out byte level));
        Assert.True(voice);
        Assert.Equal(3, level);
    }

    [Theory]
    [InlineData(0L, 0u)]
    [InlineData(1_000_000L, 0x040000u)]            // 1 s = 1 << 18
    [InlineData(500_000L, 0x020000u)]
    [InlineData(63_999_999L, 0xFFFFFFu)]           // just before the 64 s wrap
    [InlineData(64_000_000L, 0u)]
    [InlineData(-1_000_000L, 0xFC0000u)]           // 63 s after the previous wrap
    public void AbsSendTime_FromMicros_Is6Point18FixedModulo64s(long micros, uint expected) =>
        Assert.Equal(expected, AbsSendTime.FromMicros(micros));

    [Fact]
    public void AbsSendTime_ToMicros_RoundTripsWithin4Micros()
    {
        for (long micros = 0; micros < 64_000_000; micros += 12_345_67)
            Assert.InRange(micros - AbsSendTime.ToMicros(AbsSendTime.FromMicros(micros)), 0, 4);
    }

    [Fact]
    public void With_KnownUris_FillsTheMap_UnknownAndOutOfRangeIgnored()
    {
        var ids = new RtpHeaderExtensionIds()
            .With(4, RtpHeaderExtensionIds.MidUri)
            .With(10, RtpHeaderExtensionIds.RidUri)
            .With(11, RtpHeaderExtensionIds.RepairedRidUri)
            .With(3, RtpHeaderExtensionIds.AbsSendTimeUri)
            .With(5, RtpHeaderExtensionIds.TransportWideCcUri)
            .With(1, RtpHeaderExtensionIds.AudioLevelUri)
            .With(6, "urn:example:unknown")
            .With(0, RtpHeaderExtensionIds.MidUri)
            .With(256, RtpHeaderExtensionIds.MidUri);
        Assert.Equal(new RtpHeaderExtensionIds(Mid: 4, Rid: 10, RepairedRid: 11, AbsSendTime: 3, TransportWideCc: 5, AudioLevel: 1), ids);
    }
}
