using Confer.Sfu.Rtcp;

namespace Confer.Sfu.Tests.Rtcp;

public sealed class RtcpFeedbackTests
{
    internal static RtcpPacket Parse(byte[] bytes)
    {
        Assert.True(RtcpPacket.TryRead(bytes, out var packet, out int length, out var error), error.ToString());
        Assert.Equal(bytes.Length, length);
        return packet;
    }

    private static ushort[] Expand(byte[] bytes)
    {
        Assert.True(RtcpNack.TryRead(Parse(bytes), out var nack, out _));
        var lost = new ushort[RtcpNack.CountLost(nack)];
        Assert.True(RtcpNack.TryExpand(nack, lost, out int count, out _));
        Assert.Equal(lost.Length, count);
        return lost;
    }

    private static byte[] WriteNack(params ushort[] lost)
    {
        var buffer = Enumerable.Repeat((byte)0xFF, 256).ToArray();
        Assert.True(RtcpNack.TryWrite(buffer, 0x01020304, 0x05060708, lost, out int written, out var error), error.ToString());
        Assert.All(buffer[written..], b => Assert.Equal(0xFF, b));
        return buffer[..written];
    }

    [Fact]
    public void NackTryWrite_PidAndBlp_PacksSixteenFollowersPerEntry()
    {
        var bytes = WriteNack(100, 101, 116, 117, 200);
        Assert.Equal("81CD0005" + "01020304" + "05060708" + "00648001" + "00750000" + "00C80000", Convert.ToHexString(bytes));
        Assert.Equal(new ushort[] { 100, 101, 116, 117, 200 }, Expand(bytes));
    }

    [Fact]
    public void NackTryWrite_AcrossSequenceWrap_StaysInOneEntry()
    {
        var bytes = WriteNack(65534, 65535, 0, 5);
        Assert.Equal("FFFE0043", Convert.ToHexString(bytes, 12, 4));
        Assert.Equal(new ushort[] { 65534, 65535, 0, 5 }, Expand(bytes));
    }

    [Fact]
    public void NackTryWrite_Duplicates_AreHarmless()
    {
        var bytes = WriteNack(5, 5, 6, 6);
        Assert.Equal("00050001", Convert.ToHexString(bytes, 12, 4));
    }

    [Fact]
    public void NackTryExpand_FullBlpAtTop_WrapsToZero()
    {
        var bytes = Convert.FromHexString("81CD0003" + "00000001" + "00000002" + "FFFFFFFF");
        var expected = new List<ushort> { 65535 };
        for (ushort s = 0; s < 16; s++) expected.Add(s);
        Assert.Equal(expected, Expand(bytes));
    }

    [Fact]
    public void NackTryExpand_DestinationTooSmall_FillsWhatFitsAndReportsError()
    {
        Assert.True(RtcpNack.TryRead(Parse(WriteNack(10, 11, 12, 40)), out var nack, out _));
        var lost = new ushort[2];
        Assert.False(RtcpNack.TryExpand(nack, lost, out int count, out var error));
        Assert.Equal(RtcpError.DestinationTooSmall, error);
        Assert.Equal(2, count);
        Assert.Equal(new ushort[] { 10, 11 }, lost);
    }

    [Fact]
    public void NackTryWrite_EmptyOrSmallDestination_ReturnsErrors()
    {
        Assert.False(RtcpNack.TryWrite(new byte[64], 1, 2, [], out _, out var error));
        Assert.Equal(RtcpError.NothingToWrite, error);
        Assert.False(RtcpNack.TryWrite(new byte[19], 1, 2, [1, 100], out _, out error));
        Assert.Equal(RtcpError.DestinationTooSmall, error);
    }

    [Fact]
    public void NackTryRead_OtherFeedback_ReturnsWrongType()
    {
        var pli = new byte[12];
        Assert.True(RtcpPli.TryWrite(pli, 1, 2, out _, out _));
        Assert.False(RtcpNack.TryRead(Parse(pli), out _, out var error));
        Assert.Equal(RtcpError.WrongType, error);
    }

    [Fact]
    public void PliTryWrite_Into0xFFBuffer_MatchesRfc4585Layout()
    {
        var buffer = Enumerable.Repeat((byte)0xFF, 16).ToArray();
        Assert.True(RtcpPli.TryWrite(buffer, 0x01020304, 0x05060708, out int written, out _));
        Assert.Equal("81CE0002" + "01020304" + "05060708" + "FFFFFFFF", Convert.ToHexString(buffer));
        Assert.True(RtcpPli.TryRead(Parse(buffer[..written]), out var pli, out _));
        Assert.Equal(0x05060708u, pli.MediaSsrc);
        Assert.False(RtcpPli.TryWrite(new byte[11], 1, 2, out _, out _));
    }

    [Fact]
    public void FirTryWrite_WithSequenceNumber_MatchesRfc5104Layout()
    {
        var buffer = Enumerable.Repeat((byte)0xFF, 24).ToArray();
        Assert.True(RtcpFir.TryWrite(buffer, 0x01020304, 0x05060708, 42, out int written, out _));
        Assert.Equal("84CE0004" + "01020304" + "00000000" + "05060708" + "2A000000" + "FFFFFFFF", Convert.ToHexString(buffer));
        Assert.True(RtcpFir.TryRead(Parse(buffer[..written]), out var fir, out _));
        Assert.Equal(1, RtcpFir.EntryCount(fir));
        Assert.Equal((0x05060708u, (byte)42), RtcpFir.GetEntry(fir, 0));
    }

    [Fact]
    public void FirTryRead_NoEntry_ReturnsBodyTooShort()
    {
        Assert.False(RtcpFir.TryRead(Parse(Convert.FromHexString("84CE0002" + "01020304" + "00000000")), out _, out var error));
        Assert.Equal(RtcpError.BodyTooShort, error);
    }

    [Fact]
    public void RembTryRead_OneMegabit_DecodesExponentAndMantissa()
    {
        var bytes = Convert.FromHexString("8FCE0005" + "01020304" + "00000000" + "52454D42" + "010BD090" + "0A0B0C0D");
        Assert.True(RtcpRemb.TryRead(Parse(bytes), out var remb, out _));
        Assert.Equal(1_000_000UL, remb.BitrateBps);
        Assert.Equal(0x01020304u, remb.SenderSsrc);
        Assert.Equal(1, remb.SsrcCount);
        Assert.Equal(0x0A0B0C0Du, remb.GetSsrc(0));
    }

    [Theory]
    [InlineData("8FCE0005" + "01020304" + "00000000" + "52454D43" + "010BD090" + "0A0B0C0D", (int)RtcpError.NotRemb)]
    [InlineData("8FCE0005" + "01020304" + "00000000" + "52454D42" + "020BD090" + "0A0B0C0D", (int)RtcpError.BodyTooShort)]
    [InlineData("8FCE0003" + "01020304" + "00000000" + "52454D42", (int)RtcpError.BodyTooShort)]
    [InlineData("8ECE0005" + "01020304" + "00000000" + "52454D42" + "010BD090" + "0A0B0C0D", (int)RtcpError.WrongType)]
    public void RembTryRead_Malformed_ReturnsError(string hex, int expected)
    {
        Assert.False(RtcpRemb.TryRead(Parse(Convert.FromHexString(hex)), out _, out var error));
        Assert.Equal((RtcpError)expected, error);
    }

    [Fact]
    public void RembTryRead_HugeExponent_Saturates()
    {
        var bytes = Convert.FromHexString("8FCE0004" + "01020304" + "00000000" + "52454D42" + "00FC0001");
        Assert.True(RtcpRemb.TryRead(Parse(bytes), out var remb, out _));
        Assert.Equal(ulong.MaxValue, remb.BitrateBps);
    }
}
