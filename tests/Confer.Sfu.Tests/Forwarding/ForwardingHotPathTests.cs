using System.Diagnostics;
using Confer.Sfu.Codecs;
using Confer.Sfu.Forwarding;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Confer.Sfu.Tests.Forwarding;

/// <summary>
/// The per-packet path — read the VP8 descriptor, decide the layer, cache the packet, copy it to the subscriber's
/// buffer and rewrite its header and VP8 picture id — allocates nothing after warm-up; and how many packets a thread forwards.
/// </summary>
public sealed class ForwardingHotPathTests(ITestOutputHelper output)
{
    private const uint Layer0 = 0x1000, Layer1 = 0x1001;

    private sealed class Caches(PacketCache zero, PacketCache one) : IPacketCacheSource
    {
        public PacketCache? Find(uint ssrc) => ssrc == Layer0 ? zero : ssrc == Layer1 ? one : null;
    }

    private sealed class Path : IDisposable
    {
        public readonly PacketCache Cache0 = new();
        public readonly PacketCache Cache1 = new();
        public readonly DownTrackRewriter Rewriter = new(0xD0000001, 90000, TimeProvider.System, 1, 1);
        public readonly SimulcastSelector Selector = new(NullLogger.Instance, 0xD0000001);
        public readonly LossDetector Loss = new(TimeProvider.System);
        public readonly Vp8PictureIdMunger Munger = new();
        public readonly NackResponder Nack;
        public readonly byte[] Packet = RtpTestPackets.Build(0, 0, Layer0, payloadLength: 1188);
        public readonly byte[] Out = new byte[1500];
        public readonly ushort[] Nacks = new ushort[32];
        public ushort Sequence;
        public uint Timestamp;

        public Path()
        {
            Nack = new NackResponder(Rewriter, new Caches(Cache0, Cache1), TimeProvider.System, 0xD0000002, 97);
            Selector.SetTarget(0, 2, LayerSwitchReason.Initial);
            // VP8 descriptor: X S | I L T | 15-bit picture id | TL0PICIDX | TID 0 | a key frame payload header
            byte[] descriptor = [0x90, 0xE0, 0x80, 0x01, 0x00, 0x00, 0x50, 0x42, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01];
            descriptor.CopyTo(Packet, 12);
        }

        /// <summary>One forwarded packet: what the receive worker does for a track with one subscriber.</summary>
        public bool ForwardOne()
        {
            ushort seq = Sequence++;
            if ((seq & 3) == 0)
                Timestamp += 3000;
            RtpTestPackets.Write(Packet.AsSpan(0, 12), seq, Timestamp, Layer0);
            var payload = Packet.AsSpan(12);
            if (!Vp8Descriptor.TryRead(payload, out var vp8, out _))
                return false;
            Loss.OnPacket(seq);
            Cache0.Insert(seq, Packet, 12);
            var decision = Selector.Decide(0, vp8.TemporalId, vp8.IsKeyframe, vp8.LayerSync);
            if (decision == ForwardDecision.Drop)
                return false;
            Packet.CopyTo(Out, 0);
            if (!Rewriter.TryRewrite(Out, Layer0, seq, Timestamp, out var outcome))
                return false;
            if (Munger.TryRewrite(Out.AsSpan(12), vp8, outcome == RewriteOutcome.Switched, out ushort pictureId, out byte tl0))
                Rewriter.RecordVp8(Rewriter.LastSequence, pictureId, tl0);
            return true;
        }

        public void Dispose()
        {
            Cache0.Dispose();
            Cache1.Dispose();
        }
    }

    [Fact]
    public void ForwardOne_AfterWarmUp_AllocatesNothing()
    {
        using var path = new Path();
        for (int i = 0; i < 2000; i++)
            Assert.True(path.ForwardOne());
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100_000; i++)
            path.ForwardOne();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void NackAndLossPaths_AfterWarmUp_AllocateNothing()
    {
        using var path = new Path();
        for (int i = 0; i < 2000; i++)
            path.ForwardOne();
        ushort last = path.Rewriter.LastSequence;
        Span<ushort> nacked = [(ushort)(last - 5), (ushort)(last - 3), (ushort)(last - 1)];
        var buffer = new byte[3 * 1500];
        var lengths = new int[3];
        path.Nack.RoundTripTime = TimeSpan.FromMilliseconds(5);
        path.Nack.Respond(nacked, buffer, lengths);
        path.Loss.CollectNacks(path.Nacks);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            path.Nack.Respond(nacked, buffer, lengths);
            path.Loss.OnPacket((ushort)(path.Sequence + 2 * i)); // a gap every packet
            path.Loss.CollectNacks(path.Nacks);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ForwardOne_Throughput_Reported()
    {
        using var path = new Path();
        for (int i = 0; i < 20_000; i++)
            path.ForwardOne();
        var watch = Stopwatch.StartNew();
        long packets = 0;
        while (watch.ElapsedMilliseconds < 1500)
        {
            for (int i = 0; i < 10_000; i++)
                path.ForwardOne();
            packets += 10_000;
        }
        double perSecond = packets / watch.Elapsed.TotalSeconds;
        output.WriteLine($"forwarded {perSecond / 1e6:F2} M packets/s per thread (VP8 read + selector + cache insert + copy 1200 B + rewrite + VP8 picture id)");
        Assert.True(perSecond > 10_000, $"only {perSecond:F0} packets/s");
    }

    [Fact]
    public void FanOut_Throughput_Reported()
    {
        const int Subscribers = 8;
        using var cache = new PacketCache();
        var rewriters = new DownTrackRewriter[Subscribers];
        for (int i = 0; i < Subscribers; i++)
            rewriters[i] = new DownTrackRewriter((uint)(0xE000 + i), 90000, TimeProvider.System);
        var packet = RtpTestPackets.Build(0, 0, Layer0, payloadLength: 1188);
        var outputs = new byte[Subscribers][];
        for (int i = 0; i < Subscribers; i++)
            outputs[i] = new byte[1500];
        ushort seq = 0;
        uint ts = 0;
        void One()
        {
            ts += 750;
            cache.Insert(seq, packet, 12);
            for (int i = 0; i < Subscribers; i++)
            {
                packet.CopyTo(outputs[i], 0);
                rewriters[i].TryRewrite(outputs[i], Layer0, seq, ts, out _);
            }
            seq++;
        }
        for (int i = 0; i < 10_000; i++)
            One();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        long packets = 0;
        while (watch.ElapsedMilliseconds < 1500)
        {
            for (int i = 0; i < 5_000; i++)
                One();
            packets += 5_000;
        }
        double perSecond = packets * Subscribers / watch.Elapsed.TotalSeconds;
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        output.WriteLine($"fan-out to {Subscribers}: {perSecond / 1e6:F2} M outgoing packets/s per thread (cache insert once + copy 1200 B + rewrite per subscriber)");
        Assert.True(perSecond > 10_000);
    }
}
