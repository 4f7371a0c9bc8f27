using Confer.Sfu.Rtcp;

namespace Confer.Sfu.Tests.Rtcp;

public sealed class RtcpReportTests
{
    private static readonly RtcpSenderInfo Info = new(0x0102030405060708, 0x11111111, 2, 3);
    private static readonly RtcpReportBlock Block = new(0xAABBCCDD, 0x40, -2, 0x00010005, 0x20, 0x12345678, 0x00010000);

    private const string BlockHex = "AABBCCDD" + "40FFFFFE" + "00010005" + "00000020" + "12345678" + "00010000";
    internal const string SenderReportHex = "81C8000C" + "01020304" + "0102030405060708" + "11111111" + "00000002" + "00000003" + BlockHex;
    private const string ReceiverReportHex = "81C90007" + "01020304" + BlockHex;

    [Fact]
    public void TryWriteSenderReport_OneBlock_MatchesRfc3550LayoutInto0xFFBuffer()
    {
        var buffer = Enumerable.Repeat((byte)0xFF, 80).ToArray();
        Assert.True(RtcpReport.TryWriteSenderReport(buffer, 0x01020304, Info, [Block], out int written, out _));
        Assert.Equal(SenderReportHex, Convert.ToHexString(buffer, 0, written));
        Assert.All(buffer[written..], b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void TryWriteReceiverReport_OneBlock_MatchesRfc3550Layout()
    {
        var buffer = Enumerable.Repeat((byte)0xFF, 40).ToArray();
        Assert.True(RtcpReport.TryWriteReceiverReport(buffer, 0x01020304, [Block], out int written, out _));
        Assert.Equal(ReceiverReportHex, Convert.ToHexString(buffer, 0, written));
        Assert.True(RtcpReport.TryWriteReceiverReport(buffer, 7, [], out written, out _));
        Assert.Equal("80C9000100000007", Convert.ToHexString(buffer, 0, written));
    }

    [Fact]
    public void TryRead_SenderAndReceiverReports_ReadEveryField()
    {
        Assert.True(RtcpPacket.TryRead(Convert.FromHexString(SenderReportHex), out var packet, out int length, out _));
        Assert.Equal(52, length);
        Assert.True(RtcpReport.TryRead(packet, out var sr, out _));
        Assert.True(sr.IsSenderReport);
        Assert.Equal(0x01020304u, sr.Ssrc);
        Assert.Equal(Info, sr.SenderInfo);
        Assert.Equal(1, sr.BlockCount);
        Assert.Equal(Block, sr.GetBlock(0));

        Assert.True(RtcpPacket.TryRead(Convert.FromHexString(ReceiverReportHex), out packet, out _, out _));
        Assert.True(RtcpReport.TryRead(packet, out var rr, out _));
        Assert.False(rr.IsSenderReport);
        Assert.Equal(Block, rr.GetBlock(0));
    }

    [Fact]
    public void TryRead_CountLargerThanBody_ReturnsBodyTooShort()
    {
        var bytes = Convert.FromHexString(ReceiverReportHex);
        bytes[0] = 0x82;
        Assert.True(RtcpPacket.TryRead(bytes, out var packet, out _, out _));
        Assert.False(RtcpReport.TryRead(packet, out _, out var error));
        Assert.Equal(RtcpError.BodyTooShort, error);
    }

    [Fact]
    public void Writers_TooSmallOrTooManyBlocks_ReturnErrors()
    {
        Assert.False(RtcpReport.TryWriteSenderReport(new byte[51], 1, Info, [Block], out _, out var error));
        Assert.Equal(RtcpError.DestinationTooSmall, error);
        Assert.False(RtcpReport.TryWriteReceiverReport(new byte[2000], 1, new RtcpReportBlock[32], out _, out error));
        Assert.Equal(RtcpError.InvalidArgument, error);
    }

    [Theory]
    [InlineData(-2, "FFFFFE")]
    [InlineData(8_388_607, "7FFFFF")]
    [InlineData(10_000_000, "7FFFFF")]      // clamped
    [InlineData(-8_388_608, "800000")]
    [InlineData(-10_000_000, "800000")]     // clamped
    [InlineData(0, "000000")]
    public void ReportBlock_CumulativeLost_Is24BitSigned(int lost, string hex)
    {
        var bytes = new byte[24];
        (Block with { CumulativeLost = lost }).Write(bytes);
        Assert.Equal(hex, Convert.ToHexString(bytes, 5, 3));
        Assert.Equal(Math.Clamp(lost, -8_388_608, 8_388_607), RtcpReportBlock.Read(bytes).CumulativeLost);
    }

    [Theory]
    [InlineData(100, 75, 64)]
    [InlineData(100, 100, 0)]
    [InlineData(100, 120, 0)]     // duplicates: more than expected
    [InlineData(0, 0, 0)]
    [InlineData(1, 0, 255)]       // everything lost saturates below 256
    public void ComputeFractionLost_RfcA3_IsEightBitFixedPoint(long expected, long received, int fraction) =>
        Assert.Equal(fraction, RtcpReportBlock.ComputeFractionLost(expected, received));

    [Fact]
    public void Ntp_KnownInstants_MatchEpochArithmetic()
    {
        Assert.Equal(0UL, RtcpSenderInfo.ToNtp(new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(2_208_988_800UL << 32, RtcpSenderInfo.ToNtp(DateTime.UnixEpoch));
        Assert.Equal((2_208_988_800UL << 32) | 0x80000000, RtcpSenderInfo.ToNtp(DateTime.UnixEpoch.AddMilliseconds(500)));
        var now = new DateTime(2026, 12, 5, 13, 0, 0, DateTimeKind.Utc).AddTicks(1234567);
        Assert.Equal(now, RtcpSenderInfo.FromNtp(RtcpSenderInfo.ToNtp(now)));
    }

    [Fact]
    public void SenderInfo_RtpTimestampMapping_FollowsClockRateAndWraps()
    {
        var at = new DateTime(2026, 12, 5, 13, 0, 0, DateTimeKind.Utc);
        var info = RtcpSenderInfo.At(at, 0xFFFF0000, 10, 1000);
        Assert.Equal(unchecked(0xFFFF0000u + 90_000u), info.ToRtpTimestamp(at.AddSeconds(1), 90_000));
        Assert.Equal(unchecked(0xFFFF0000u + 96_000u), info.ToRtpTimestamp(at.AddSeconds(2), 48_000)); // wraps past 2^32
        Assert.Equal(at.AddSeconds(1), info.ToDateTime(unchecked(0xFFFF0000u + 90_000u), 90_000));
        Assert.Equal(at.AddMilliseconds(-500), info.ToDateTime(0xFFFF0000u - 45_000u, 90_000));
        Assert.Equal((uint)(info.NtpTimestamp >> 16), info.NtpMiddle32);
    }

    [Fact]
    public void RoundTripTime_FromLsrAndDlsr_IsArrivalMinusBoth()
    {
        var block = Block with { LastSenderReport = 0x00100000, DelaySinceLastSenderReport = RtcpReportBlock.ToDelayUnits(TimeSpan.FromSeconds(1)) };
        Assert.Equal(65536u, block.DelaySinceLastSenderReport);
        Assert.Equal(TimeSpan.FromMilliseconds(500), block.RoundTripTime(0x00100000 + 65536 + 32768));
        Assert.Null(block.RoundTripTime(0x00100000));                     // negative
        Assert.Null((Block with { LastSenderReport = 0 }).RoundTripTime(12345));
        Assert.Equal(0u, RtcpReportBlock.ToDelayUnits(TimeSpan.FromSeconds(-1)));
    }
}
