using System.Diagnostics;
using Confer.Sfu.Rtcp;
using Xunit.Abstractions;

namespace Confer.Sfu.Tests.Rtcp;

/// <summary>Reading and writing RTCP allocates nothing after warm-up. Also prints a short throughput figure.</summary>
public sealed class RtcpAllocationTests(ITestOutputHelper output)
{
    private static readonly byte[] Compound = Convert.FromHexString(
        RtcpReportTests.SenderReportHex + RtcpCompoundTests.SdesHex
        + "81CD0005" + "01020304" + "05060708" + "00648001" + "00750000" + "00C80000"
        + "AFCD00079B74F61F9371DCBC853C000963F916B3D55200309BAA6AAA7B010901");

    private static readonly TwccArrival[] Arrivals = Enumerable.Range(0, 100)
        .Select(i => new TwccArrival((ushort)(1000 + i), i % 10 != 3, 1_000_000 + i * 1_700L + (i % 7 == 0 ? -3_000 : 0))).ToArray();

    private static int ReadCompound(byte[] bytes, Span<ushort> lost, Span<TwccPacketStatus> statuses)
    {
        var reader = new RtcpCompoundReader(bytes);
        int sum = 0;
        while (reader.TryReadNext(out var packet, out _))
        {
            if (RtcpReport.TryRead(packet, out var report, out _))
                for (int i = 0; i < report.BlockCount; i++) sum += report.GetBlock(i).FractionLost;
            else if (RtcpSdesReader.TryCreate(packet, out var sdes, out _))
                while (sdes.TryReadNextChunk(out _, out var cname, out _)) sum += cname.Length;
            else if (RtcpNack.TryRead(packet, out var nack, out _) && RtcpNack.TryExpand(nack, lost, out int count, out _)) sum += count;
            else if (TwccFeedback.TryRead(packet, out var twcc, out _) && twcc.TryGetStatuses(statuses, out int n, out _)) sum += n;
        }
        return sum;
    }

    private static int WriteAll(byte[] buffer)
    {
        var info = new RtcpSenderInfo(0x0102030405060708, 1, 2, 3);
        RtcpReportBlock block = new(1, 2, 3, 4, 5, 6, 7);
        int total = 0;
        if (RtcpReport.TryWriteSenderReport(buffer, 1, info, new ReadOnlySpan<RtcpReportBlock>(in block), out int w, out _)) total += w;
        if (RtcpReport.TryWriteReceiverReport(buffer.AsSpan(total), 1, new ReadOnlySpan<RtcpReportBlock>(in block), out w, out _)) total += w;
        if (RtcpSdesReader.TryWriteCname(buffer.AsSpan(total), 1, "cname"u8, out w, out _)) total += w;
        ReadOnlySpan<ushort> lost = [100, 101, 116, 117, 200];
        if (RtcpNack.TryWrite(buffer.AsSpan(total), 1, 2, lost, out w, out _)) total += w;
        if (RtcpPli.TryWrite(buffer.AsSpan(total), 1, 2, out w, out _)) total += w;
        if (RtcpFir.TryWrite(buffer.AsSpan(total), 1, 2, 3, out w, out _)) total += w;
        if (TwccFeedbackWriter.TryWrite(buffer.AsSpan(total), 1200, 1, 2, 0, Arrivals, out w, out _, out _)) total += w;
        return total;
    }

    [Fact]
    public void ReadCompoundAndWriteEveryKind_AfterWarmUp_AllocatesNothing()
    {
        var lost = new ushort[64];
        var statuses = new TwccPacketStatus[256];
        var buffer = new byte[1500];
        for (int i = 0; i < 2_000; i++) { ReadCompound(Compound, lost, statuses); WriteAll(buffer); }

        long before = GC.GetAllocatedBytesForCurrentThread();
        long total = 0;
        for (int i = 0; i < 5_000; i++) total += ReadCompound(Compound, lost, statuses) + WriteAll(buffer);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(total > 0);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Throughput_ReadAndWrite_PrintsPerSecond()
    {
        var lost = new ushort[64];
        var statuses = new TwccPacketStatus[256];
        var buffer = new byte[1500];
        long reads = 0, nacks = 0, twccs = 0, sink = 0;
        var watch = Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < 300)
            for (int i = 0; i < 100; i++, reads++) sink += ReadCompound(Compound, lost, statuses);
        double readRate = reads / watch.Elapsed.TotalSeconds;
        ReadOnlySpan<ushort> lostList = [100, 101, 116, 117, 200];
        watch.Restart();
        while (watch.ElapsedMilliseconds < 300)
            for (int i = 0; i < 1000; i++, nacks++)
                if (RtcpNack.TryWrite(buffer, 1, 2, lostList, out int w, out _)) sink += w;
        double nackRate = nacks / watch.Elapsed.TotalSeconds;
        watch.Restart();
        while (watch.ElapsedMilliseconds < 300)
            for (int i = 0; i < 100; i++, twccs++)
                if (TwccFeedbackWriter.TryWrite(buffer, 1200, 1, 2, 0, Arrivals, out int w, out _, out _)) sink += w;
        double twccRate = twccs / watch.Elapsed.TotalSeconds;
        output.WriteLine($"RTCP compound read (SR+SDES+NACK+TWCC of 9, all expanded): {readRate / 1e6:F2} M/s per thread");
        output.WriteLine($"NACK write (5 lost): {nackRate / 1e6:F1} M/s per thread");
        output.WriteLine($"TWCC write (100 packets, mixed chunks): {twccRate / 1e3:F0} k/s per thread ({twccRate * 100 / 1e6:F1} M reported packets/s)");
        Assert.True(sink != 0);
    }
}
