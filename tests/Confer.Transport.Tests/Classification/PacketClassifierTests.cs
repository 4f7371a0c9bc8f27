using Confer.Transport.Classification;

namespace Confer.Transport.Tests.Classification;

/// <summary>RFC 7983 §7's first-byte ranges, both ends of each, the gaps between them, and RFC 5761 §4's RTP/RTCP split.</summary>
public sealed class PacketClassifierTests
{
    [Theory]
    [InlineData(0, PacketKind.Stun)]      // Binding request 0x0001
    [InlineData(1, PacketKind.Stun)]      // success 0x0101
    [InlineData(3, PacketKind.Stun)]
    [InlineData(4, PacketKind.Unknown)]
    [InlineData(15, PacketKind.Unknown)]
    [InlineData(16, PacketKind.Zrtp)]
    [InlineData(19, PacketKind.Zrtp)]
    [InlineData(20, PacketKind.Dtls)]     // ChangeCipherSpec
    [InlineData(22, PacketKind.Dtls)]     // handshake: ClientHello
    [InlineData(23, PacketKind.Dtls)]     // application data
    [InlineData(63, PacketKind.Dtls)]
    [InlineData(64, PacketKind.ChannelData)] // channel 0x4000
    [InlineData(79, PacketKind.ChannelData)] // channel 0x4FFF
    [InlineData(80, PacketKind.Unknown)]
    [InlineData(127, PacketKind.Unknown)]
    [InlineData(128, PacketKind.Rtp)]     // version 2, no padding, no extension, no CSRC
    [InlineData(144, PacketKind.Rtp)]     // with a header extension
    [InlineData(191, PacketKind.Rtp)]
    [InlineData(192, PacketKind.Unknown)]
    [InlineData(255, PacketKind.Unknown)]
    public void FirstByte(byte first, PacketKind expected) =>
        Assert.Equal(expected, PacketClassifier.Classify([first, 96, 0, 1]));

    [Theory]
    [InlineData(96, PacketKind.Rtp)]      // dynamic payload type (VP8, Opus)
    [InlineData(111, PacketKind.Rtp)]
    [InlineData(200, PacketKind.Rtcp)]    // SR
    [InlineData(201, PacketKind.Rtcp)]    // RR
    [InlineData(205, PacketKind.Rtcp)]    // RTPFB (NACK, TWCC)
    [InlineData(206, PacketKind.Rtcp)]    // PSFB (PLI, FIR, REMB)
    [InlineData(192, PacketKind.Rtcp)]
    [InlineData(223, PacketKind.Rtcp)]
    [InlineData(224, PacketKind.Rtp)]     // marker set, payload type 96 + 0x80 = 224: RTP (RFC 5761 §4 keeps 224-255 for RTP)
    public void RtpOrRtcp_BySecondByte(byte second, PacketKind expected) =>
        Assert.Equal(expected, PacketClassifier.Classify([0x80, second, 0, 1]));

    [Fact]
    public void Empty_IsUnknown() => Assert.Equal(PacketKind.Unknown, PacketClassifier.Classify([]));

    [Fact]
    public void OneByteRtp_IsRtp() => Assert.Equal(PacketKind.Rtp, PacketClassifier.Classify([0x80]));

    [Fact]
    public void EveryFirstByte_HasExactlyTheRfc7983Kind()
    {
        for (int b = 0; b < 256; b++)
        {
            var kind = PacketClassifier.Classify([(byte)b, 0]);
            var expected = b switch
            {
                <= 3 => PacketKind.Stun,
                >= 16 and <= 19 => PacketKind.Zrtp,
                >= 20 and <= 63 => PacketKind.Dtls,
                >= 64 and <= 79 => PacketKind.ChannelData,
                >= 128 and <= 191 => PacketKind.Rtp,
                _ => PacketKind.Unknown,
            };
            Assert.Equal(expected, kind);
        }
    }
}
