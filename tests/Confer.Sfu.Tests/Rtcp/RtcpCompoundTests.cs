using Confer.Sfu.Rtcp;

namespace Confer.Sfu.Tests.Rtcp;

public sealed class RtcpCompoundTests
{
    // Two chunks: CNAME "abc"; a NOTE item then CNAME "x" (RFC 3550 §6.5).
    internal const string SdesHex = "82CA0006" + "01020304" + "0103616263" + "000000" + "05060708" + "07026869" + "010178" + "00";
    internal const string ByeHex = "81CB0003" + "01020304" + "04646F6E" + "65000000";

    [Fact]
    public void TryReadNext_SrSdesBye_EnumeratesEachPacket()
    {
        var bytes = Convert.FromHexString(RtcpReportTests.SenderReportHex + SdesHex + ByeHex);
        var reader = new RtcpCompoundReader(bytes);
        var types = new List<RtcpPacketType>();
        while (reader.TryReadNext(out var packet, out _)) types.Add(packet.Type);
        Assert.Equal([RtcpPacketType.SenderReport, RtcpPacketType.SourceDescription, RtcpPacketType.Goodbye], types);
        Assert.True(reader.IsAtEnd);
        Assert.False(reader.TryReadNext(out _, out var error));
        Assert.Equal(RtcpError.None, error);
    }

    [Fact]
    public void TryReadNext_SecondPacketOverruns_StopsWithLengthMismatch()
    {
        var bytes = Convert.FromHexString(RtcpReportTests.SenderReportHex + "81C90007" + "01020304");
        var reader = new RtcpCompoundReader(bytes);
        Assert.True(reader.TryReadNext(out _, out _));
        Assert.False(reader.TryReadNext(out _, out var error));
        Assert.Equal(RtcpError.LengthMismatch, error);
        Assert.False(reader.TryReadNext(out _, out error));
        Assert.Equal(RtcpError.None, error);
    }

    [Theory]
    [InlineData("", (int)RtcpError.TooShort)]
    [InlineData("81C900", (int)RtcpError.TooShort)]
    [InlineData("41C9000100000001", (int)RtcpError.BadVersion)]
    [InlineData("81C9000200000001", (int)RtcpError.LengthMismatch)]
    [InlineData("A1C9000100000000", (int)RtcpError.BadPadding)]
    [InlineData("A1C9000100000009", (int)RtcpError.BadPadding)]
    public void TryRead_MalformedHeader_ReturnsError(string hex, int expected)
    {
        Assert.False(RtcpPacket.TryRead(Convert.FromHexString(hex), out _, out _, out var error));
        Assert.Equal((RtcpError)expected, error);
    }

    [Fact]
    public void TryRead_PaddedPacket_BodyExcludesPadding()
    {
        Assert.True(RtcpPacket.TryRead(Convert.FromHexString("A1C90002" + "00000001" + "00000004"), out var packet, out _, out _));
        Assert.Equal(4, packet.Body.Length);
        Assert.Equal(4, packet.PaddingLength);
    }

    [Fact]
    public void SdesReader_TwoChunks_FindsCnamesSkippingOtherItems()
    {
        var packet = RtcpFeedbackTests.Parse(Convert.FromHexString(SdesHex));
        Assert.True(RtcpSdesReader.TryCreate(packet, out var reader, out _));
        Assert.True(reader.TryReadNextChunk(out uint ssrc, out var cname, out _));
        Assert.Equal(0x01020304u, ssrc);
        Assert.True(cname.SequenceEqual("abc"u8));
        Assert.True(reader.TryReadNextChunk(out ssrc, out cname, out _));
        Assert.Equal(0x05060708u, ssrc);
        Assert.True(cname.SequenceEqual("x"u8));
        Assert.False(reader.TryReadNextChunk(out _, out _, out var error));
        Assert.Equal(RtcpError.None, error);
    }

    [Fact]
    public void SdesReader_ItemOverrunsPacket_ReturnsItemTruncated()
    {
        var packet = RtcpFeedbackTests.Parse(Convert.FromHexString("81CA0002" + "01020304" + "01096162"));
        Assert.True(RtcpSdesReader.TryCreate(packet, out var reader, out _));
        Assert.False(reader.TryReadNextChunk(out _, out _, out var error));
        Assert.Equal(RtcpError.ItemTruncated, error);
    }

    [Fact]
    public void SdesTryWriteCname_Into0xFFBuffer_PadsWithNullOctets()
    {
        var buffer = Enumerable.Repeat((byte)0xFF, 20).ToArray();
        Assert.True(RtcpSdesReader.TryWriteCname(buffer, 0x01020304, "abcd"u8, out int written, out _));
        Assert.Equal("81CA0003" + "01020304" + "010461626364" + "0000" + "FFFFFFFF", Convert.ToHexString(buffer));
        Assert.True(RtcpSdesReader.TryCreate(RtcpFeedbackTests.Parse(buffer[..written]), out var reader, out _));
        Assert.True(reader.TryReadNextChunk(out _, out var cname, out _));
        Assert.True(cname.SequenceEqual("abcd"u8));

        Assert.True(RtcpSdesReader.TryWriteCname(buffer, 1, "abcdef"u8, out written, out _)); // 4+2+6 = 12: a whole null word follows
        Assert.Equal(20, written);
        Assert.Equal("00000000", Convert.ToHexString(buffer, 16, 4));
    }

    [Fact]
    public void ByeTryRead_WithReason_ReadsSourcesAndReason()
    {
        Assert.True(RtcpBye.TryRead(RtcpFeedbackTests.Parse(Convert.FromHexString(ByeHex)), out var bye, out _));
        Assert.Equal(1, bye.SourceCount);
        Assert.Equal(0x01020304u, bye.GetSsrc(0));
        Assert.True(bye.Reason.SequenceEqual("done"u8));
    }

    [Fact]
    public void ByeTryRead_ReasonOverruns_ReturnsItemTruncated()
    {
        Assert.False(RtcpBye.TryRead(RtcpFeedbackTests.Parse(Convert.FromHexString("81CB0002" + "01020304" + "09646F6E")), out _, out var error));
        Assert.Equal(RtcpError.ItemTruncated, error);
        Assert.False(RtcpBye.TryRead(RtcpFeedbackTests.Parse(Convert.FromHexString("83CB0002" + "01020304" + "05060708")), out _, out error));
        Assert.Equal(RtcpError.BodyTooShort, error);
    }
}
