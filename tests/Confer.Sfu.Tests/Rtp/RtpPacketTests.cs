using Confer.Sfu.Rtp;

namespace Confer.Sfu.Tests.Rtp;

public sealed class RtpPacketTests
{
    [Fact]
    public void TryRead_OneByteExtensionsCsrcAndPadding_ReadsEveryField()
    {
        var bytes = RtpTestPackets.OneByte();
        Assert.True(RtpPacket.TryRead(bytes, out var packet, out var error));
        Assert.Equal(RtpError.None, error);
        Assert.Equal(2, packet.Version);
        Assert.True(packet.HasPadding);
        Assert.True(packet.HasExtension);
        Assert.True(packet.Marker);
        Assert.Equal(96, packet.PayloadType);
        Assert.Equal(0x1234, packet.SequenceNumber);
        Assert.Equal(0xDEADBEEFu, packet.Timestamp);
        Assert.Equal(0x11223344u, packet.Ssrc);
        Assert.Equal(1, packet.CsrcCount);
        Assert.Equal(0xCAFEBABEu, packet.GetCsrc(0));
        Assert.True(packet.IsOneByteExtension);
        Assert.Equal(32, packet.HeaderLength);
        Assert.Equal(3, packet.PaddingLength);
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC }, packet.Payload.ToArray());
    }

    [Fact]
    public void Extensions_OneByteForm_EnumeratesSkippingPadding()
    {
        Assert.True(RtpPacket.TryRead(RtpTestPackets.OneByte(), out var packet, out _));
        var ids = new List<byte>();
        var offsets = new List<int>();
        foreach (var e in packet.Extensions) { ids.Add(e.Id); offsets.Add(e.ValueOffset); }
        Assert.Equal(new byte[] { 1, 3, 2 }, ids);
        Assert.Equal(new[] { 21, 25, 29 }, offsets);
        Assert.True(packet.TryGetAbsSendTime(1, out uint ast));
        Assert.Equal(0x010203u, ast);
        Assert.True(packet.TryGetTransportSequenceNumber(3, out ushort twcc));
        Assert.Equal(42, twcc);
        Assert.True(packet.ExtensionEquals(2, "a1"u8));
        Assert.False(packet.ExtensionEquals(2, "a"u8));
        Assert.False(packet.TryGetExtension(0, out _));
        Assert.False(packet.TryGetExtension(4, out _));
        Assert.False(packet.TryGetTransportSequenceNumber(1, out _)); // wrong length for the type
    }

    [Fact]
    public void Extensions_TwoByteForm_ReadsAudioLevelRidAndEmptyElement()
    {
        Assert.True(RtpPacket.TryRead(RtpTestPackets.TwoByte(), out var packet, out _));
        Assert.True(packet.IsTwoByteExtension);
        Assert.Equal(65535, packet.SequenceNumber);
        Assert.True(packet.TryGetAudioLevel(1, out bool voice, out byte level));
        Assert.True(voice);
        Assert.Equal(16, level);
        Assert.True(packet.ExtensionEquals(5, "hig"u8));
        Assert.True(packet.TryGetExtension(10, out var empty));
        Assert.Equal(0, empty.Value.Length);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, packet.Payload.ToArray());
    }

    [Fact]
    public void Extensions_OneByteIdFifteen_StopsParsing()
    {
        byte[] bytes = [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE, 0x00, 0x01, 0x10, 0xAA, 0xF0, 0x20];
        Assert.True(RtpPacket.TryRead(bytes, out var packet, out _));
        Assert.True(packet.TryGetExtension(1, out var first));
        Assert.Equal(0xAA, first.Value[0]);
        Assert.False(packet.TryGetExtension(2, out _));
    }

    [Fact]
    public void Extensions_OneByteIdZeroWithLength_SkippedAsSingleByte()
    {
        byte[] bytes = [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE, 0x00, 0x01, 0x03, 0x10, 0xAA, 0x00];
        Assert.True(RtpPacket.TryRead(bytes, out var packet, out _));
        var ids = new List<byte>();
        foreach (var e in packet.Extensions) ids.Add(e.Id);
        Assert.Equal(new byte[] { 1 }, ids);
        Assert.True(packet.TryGetExtension(1, out var first));
        Assert.Equal(0xAA, first.Value[0]);
    }

    [Fact]
    public void Extensions_UnknownProfile_EnumerateNothingButPacketParses()
    {
        byte[] bytes = [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xAB, 0xCD, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78, 0x99];
        Assert.True(RtpPacket.TryRead(bytes, out var packet, out _));
        Assert.Equal(0xABCD, packet.ExtensionProfile);
        Assert.False(packet.TryGetExtension(1, out _));
        Assert.Equal(1, packet.PayloadLength);
    }

    public static TheoryData<string, int> Malformed => new()
    {
        { "", (int)RtpError.TooShort },
        { "80600001000000010000", (int)RtpError.TooShort },
        { "406000010000000100000001", (int)RtpError.BadVersion },
        { "C06000010000000100000001", (int)RtpError.BadVersion },
        { "8F6000010000000100000001", (int)RtpError.CsrcTruncated },
        { "816000010000000100000001AABBCC", (int)RtpError.CsrcTruncated },
        { "906000010000000100000001", (int)RtpError.ExtensionTruncated },
        { "906000010000000100000001BEDE", (int)RtpError.ExtensionTruncated },
        { "906000010000000100000001BEDE0002AABBCCDD", (int)RtpError.ExtensionTruncated },
        { "906000010000000100000001BEDE00011F000000", (int)RtpError.ExtensionElementTruncated },
        { "90600001000000010000000110000001000000FF", (int)RtpError.ExtensionElementTruncated },
        { "90600001000000010000000110000001000005", (int)RtpError.ExtensionTruncated },
        { "90600001000000010000000110000001000102AA", (int)RtpError.ExtensionElementTruncated },
        { "A06000010000000100000001AA00", (int)RtpError.BadPadding },
        { "A06000010000000100000001AA03", (int)RtpError.BadPadding },
        { "A06000010000000100000005", (int)RtpError.BadPadding },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryRead_Malformed_ReturnsFalseWithError(string hex, int expected)
    {
        Assert.False(RtpPacket.TryRead(Convert.FromHexString(hex), out _, out var error));
        Assert.Equal((RtpError)expected, error);
    }

    [Fact]
    public void TryRead_PaddingOnlyAfterHeader_HasEmptyPayload()
    {
        Assert.True(RtpPacket.TryRead(Convert.FromHexString("A06000010000000100000001000003"), out var packet, out _));
        Assert.Equal(0, packet.PayloadLength);
        Assert.Equal(3, packet.PaddingLength);
    }

    [Fact]
    public void TryRead_EveryTruncationOfValidPackets_NeverThrowsAndNeverOverreads()
    {
        foreach (var full in new[] { RtpTestPackets.OneByte(), RtpTestPackets.TwoByte(), RtpTestPackets.Plain() })
        {
            for (int length = 0; length < full.Length; length++)
            {
                if (RtpPacket.TryRead(full.AsSpan(0, length), out var packet, out var error))
                {
                    Assert.True(packet.HeaderLength + packet.PayloadLength + packet.PaddingLength == length);
                }
                else Assert.NotEqual(RtpError.None, error);
            }
        }
    }
}
