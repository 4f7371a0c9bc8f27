using System.Diagnostics;
using Confer.Sfu.Rtp;
using Xunit.Abstractions;

namespace Confer.Sfu.Tests.Rtp;

/// <summary>The per-packet path allocates nothing: parse, look up extensions, rewrite in place, build RTX. Also prints a short throughput figure.</summary>
public sealed class RtpAllocationTests(ITestOutputHelper output)
{
    private static readonly RtpHeaderExtensionIds Ids = new(Mid: 2, AbsSendTime: 1, TransportWideCc: 3);

    private static int ForwardOne(byte[] packet, byte[] rtxBuffer, ushort sequence)
    {
        if (!RtpPacket.TryRead(packet, out var parsed, out _)) return -1;
        int sum = parsed.PayloadLength;
        if (parsed.ExtensionEquals(Ids.Mid, "a1"u8)) sum++;
        if (parsed.TryGetTransportSequenceNumber(Ids.TransportWideCc, out ushort twcc)) sum += twcc;
        foreach (var e in parsed.Extensions) sum += e.Id;
        RtpPacketEditor.SetSequenceNumber(packet, sequence);
        RtpPacketEditor.SetSsrc(packet, 0x01020304);
        RtpPacketEditor.SetTimestamp(packet, 90_000u * sequence);
        RtpPacketEditor.TrySetTransportSequenceNumber(packet, Ids.TransportWideCc, sequence, out _);
        RtpPacketEditor.TrySetAbsSendTime(packet, Ids.AbsSendTime, AbsSendTime.FromMicros(sequence * 1000L), out _);
        if (Rtx.TryWrite(parsed, rtxBuffer, 0x0A0B0C0D, 97, sequence, out int written, out _)) sum += written;
        return sum;
    }

    [Fact]
    public void ParseRewriteAndRtx_AfterWarmUp_AllocatesNothing()
    {
        var packet = RtpTestPackets.OneByte();
        var rtx = new byte[1500];
        for (int i = 0; i < 2_000; i++) ForwardOne(packet, rtx, (ushort)i);

        long before = GC.GetAllocatedBytesForCurrentThread();
        long total = 0;
        for (int i = 0; i < 10_000; i++) total += ForwardOne(packet, rtx, (ushort)i);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(total > 0);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Throughput_ParseAndRewrite_PrintsPacketsPerSecond()
    {
        var packet = RtpTestPackets.OneByte();
        var rtx = new byte[1500];
        long parsed = 0, forwarded = 0, sink = 0;
        var watch = Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < 300)
            for (int i = 0; i < 1000; i++, parsed++)
                if (RtpPacket.TryRead(packet, out var p, out _) && p.TryGetTransportSequenceNumber(3, out ushort s)) sink += s;
        double parseRate = parsed / watch.Elapsed.TotalSeconds;
        watch.Restart();
        while (watch.ElapsedMilliseconds < 300)
            for (int i = 0; i < 1000; i++, forwarded++) sink += ForwardOne(packet, rtx, (ushort)i);
        double forwardRate = forwarded / watch.Elapsed.TotalSeconds;
        output.WriteLine($"RTP parse + twcc lookup: {parseRate / 1e6:F1} M packets/s per thread");
        output.WriteLine($"RTP parse + mid/twcc/enumerate + 5 rewrites + RTX write: {forwardRate / 1e6:F2} M packets/s per thread");
        Assert.True(sink != 0 && parseRate > 0 && forwardRate > 0);
    }
}
