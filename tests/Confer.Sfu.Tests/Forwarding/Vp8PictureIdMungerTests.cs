using Confer.Sfu.Codecs;
using Confer.Sfu.Forwarding;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Forwarding;

public sealed class Vp8PictureIdMungerTests
{
    /// <summary>X S | I L T | 15-bit picture id | TL0PICIDX | TID, then one payload byte.</summary>
    private static byte[] Long(ushort pictureId, byte tl0, byte tid = 0) =>
        [0x90, 0xE0, (byte)(0x80 | (pictureId >> 8)), (byte)pictureId, tl0, (byte)(tid << 6), 0x31];

    /// <summary>X S | I | 7-bit picture id, then one payload byte.</summary>
    private static byte[] Short(byte pictureId) => [0x90, 0x80, (byte)(pictureId & 0x7F), 0x31];

    private static (ushort PictureId, byte Tl0) Munge(Vp8PictureIdMunger m, byte[] payload, bool switched)
    {
        Assert.True(Vp8Descriptor.TryRead(payload, out var d, out _));
        Assert.True(m.TryRewrite(payload, d, switched, out ushort pid, out byte tl0));
        Assert.True(Vp8Descriptor.TryRead(payload, out var written, out _));
        Assert.Equal(pid & (d.PictureIdLength == 1 ? 0x7F : 0x7FFF), written.PictureId);
        return (pid, tl0);
    }

    [Fact]
    public void TryRewrite_SimulcastSwitch_PictureIdAndTl0ContinueFromLast()
    {
        var m = new Vp8PictureIdMunger();
        Assert.Equal(((ushort)100, (byte)5), Munge(m, Long(100, 5), switched: true));
        Assert.Equal(((ushort)101, (byte)5), Munge(m, Long(101, 5, tid: 1), false));
        Assert.Equal(((ushort)102, (byte)6), Munge(m, Long(102, 6), false));
        Assert.Equal(((ushort)103, (byte)7), Munge(m, Long(7000, 200), switched: true));
        Assert.Equal(((ushort)104, (byte)7), Munge(m, Long(7001, 200, tid: 1), false));
        Assert.Equal(((ushort)105, (byte)8), Munge(m, Long(7002, 201), false));
    }

    [Fact]
    public void TryRewrite_FifteenBitWrap_AndReorder_Follow()
    {
        var m = new Vp8PictureIdMunger();
        Munge(m, Long(0x7FFE, 255), true);
        Assert.Equal(((ushort)0, (byte)1), Munge(m, Long(0, 1), false));           // two ahead, across both wraps
        Assert.Equal(((ushort)0x7FFF, (byte)0), Munge(m, Long(0x7FFF, 0), false)); // late one keeps its place
        Assert.Equal(((ushort)1, (byte)2), Munge(m, Long(1, 2), false));
    }

    [Fact]
    public void TryRewrite_SevenBitIds_WrapAtOneTwentyEight()
    {
        var m = new Vp8PictureIdMunger();
        Munge(m, Long(500, 0), true);
        Assert.Equal(501, Munge(m, Short(126), switched: true).PictureId);
        Assert.Equal(502, Munge(m, Short(127), false).PictureId);
        Assert.Equal(503, Munge(m, Short(0), false).PictureId);
        var payload = Short(1);
        Munge(m, payload, false);
        Assert.Equal(504 & 0x7F, payload[2]); // written in 7 bits, M stays 0
    }

    [Fact]
    public void TryRewrite_NoPictureIdNoTl0_NothingToDo()
    {
        var m = new Vp8PictureIdMunger();
        byte[] payload = [0x10, 0x50];
        Assert.True(Vp8Descriptor.TryRead(payload, out var d, out _));
        Assert.False(m.TryRewrite(payload, d, true, out _, out _));
        Assert.Equal(new byte[] { 0x10, 0x50 }, payload);
    }

    [Fact]
    public void Retransmission_RepeatsMungedPictureId()
    {
        var time = new FakeTimeProvider();
        using var cache = new PacketCache(16, 100);
        var rewriter = new DownTrackRewriter(9, 90000, time, 50, 0);
        var munger = new Vp8PictureIdMunger();
        // two layers: layer 1 (pid 10) then layer 2 (pid 900) — the second one's outgoing pid is 11
        foreach (var (ssrc, seq, pid) in new (uint, ushort, ushort)[] { (1, 70, 10), (2, 80, 900) })
        {
            var packet = new byte[12 + 7];
            RtpTestPackets.Write(packet, seq, 0, ssrc);
            Long(pid, 3).CopyTo(packet, 12);
            if (ssrc == 2)
                cache.Insert(seq, packet, 12);
            Assert.True(rewriter.TryRewrite(packet, ssrc, seq, 0, out var outcome));
            Assert.True(Vp8Descriptor.TryRead(packet.AsSpan(12), out var d, out _));
            Assert.True(munger.TryRewrite(packet.AsSpan(12), d, outcome == RewriteOutcome.Switched, out ushort outPid, out byte outTl0));
            rewriter.RecordVp8(rewriter.LastSequence, outPid, outTl0);
        }
        var nack = new NackResponder(rewriter, new OneCache(2, cache), time, 0x55, 97);
        var rtx = new byte[100];
        Assert.True(nack.TryRetransmit(51, rtx, out int written, out _));
        Assert.True(Vp8Descriptor.TryRead(rtx.AsSpan(14, written - 14), out var resent, out _));
        Assert.Equal(11, resent.PictureId);
        Assert.Equal(4, resent.Tl0PicIdx);
    }

    private sealed class OneCache(uint ssrc, PacketCache cache) : IPacketCacheSource
    {
        public PacketCache? Find(uint s) => s == ssrc ? cache : null;
    }
}
