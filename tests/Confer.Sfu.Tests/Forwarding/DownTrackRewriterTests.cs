using System.Buffers.Binary;
using Confer.Sfu.Forwarding;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Forwarding;

public sealed class DownTrackRewriterTests
{
    private const uint Out = 0xCAFE0001;
    private readonly FakeTimeProvider _time = new();

    private DownTrackRewriter NewRewriter(ushort initialSequence = 1000, uint initialTimestamp = 5000) =>
        new(Out, 90000, _time, initialSequence, initialTimestamp);

    private static (ushort Seq, uint Ts) Forward(DownTrackRewriter r, uint ssrc, ushort seq, uint ts, RewriteOutcome expected = RewriteOutcome.Forwarded)
    {
        bool sent = r.TryRewrite(ssrc, seq, ts, out ushort s, out uint t, out var outcome);
        Assert.Equal(expected, outcome);
        Assert.Equal(expected is RewriteOutcome.Forwarded or RewriteOutcome.Switched, sent);
        return (s, t);
    }

    [Fact]
    public void TryRewrite_FirstPacket_StartsAtInitialValues()
    {
        var r = NewRewriter();
        Assert.Equal(((ushort)1000, 5000u), Forward(r, 1, 40000, 123456, RewriteOutcome.Switched));
        Assert.Equal(((ushort)1001, 5000u + 3000), Forward(r, 1, 40001, 126456));
    }

    [Fact]
    public void TryRewrite_LayerSwitch_SequenceContinuesAndTimestampFollowsWallClock()
    {
        var r = NewRewriter();
        Forward(r, 1, 10, 1000, RewriteOutcome.Switched);
        Forward(r, 1, 11, 4000);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        var (seq, ts) = Forward(r, 2, 60000, 777, RewriteOutcome.Switched);
        Assert.Equal(1002, seq);
        Assert.Equal(5000u + 3000 + 9000, ts); // 100 ms at 90 kHz
        Assert.Equal(((ushort)1003, ts + 3000), Forward(r, 2, 60001, 3777));
        Assert.Equal(1, r.Switches);
    }

    [Fact]
    public void TryRewrite_SwitchWithNoTimeElapsed_TimestampStillAdvances()
    {
        var r = NewRewriter();
        Forward(r, 1, 10, 1000, RewriteOutcome.Switched);
        var (_, ts) = Forward(r, 2, 10, 1000, RewriteOutcome.Switched);
        Assert.Equal(5001u, ts);
    }

    [Fact]
    public void TryRewrite_PacketBeforeSwitchPoint_Dropped()
    {
        var r = NewRewriter();
        Forward(r, 1, 10, 0, RewriteOutcome.Switched);
        Forward(r, 2, 500, 0, RewriteOutcome.Switched);
        Forward(r, 2, 499, 0, RewriteOutcome.DroppedBeforeSwitch);
        Forward(r, 2, 501, 0);
    }

    [Fact]
    public void TryRewrite_ReorderedAndDuplicate_GapFilledDuplicateDropped()
    {
        var r = NewRewriter();
        Forward(r, 1, 100, 0, RewriteOutcome.Switched);
        Assert.Equal(1003, Forward(r, 1, 103, 0).Seq);
        Assert.Equal(1001, Forward(r, 1, 101, 0).Seq);
        Assert.Equal(1002, Forward(r, 1, 102, 0).Seq);
        Forward(r, 1, 102, 0, RewriteOutcome.DroppedDuplicate);
        Forward(r, 1, 103, 0, RewriteOutcome.DroppedDuplicate);
        Assert.Equal(1003, r.LastSequence);
    }

    [Fact]
    public void TryRewrite_FarBehind_DroppedTooOld()
    {
        var r = NewRewriter();
        Forward(r, 1, 0, 0, RewriteOutcome.Switched);
        Forward(r, 1, 300, 0);
        Forward(r, 1, 100, 0, RewriteOutcome.DroppedTooOld);
        Forward(r, 1, 200, 0); // within the 128 window, missing: sent
    }

    [Fact]
    public void TryRewrite_IncomingAndOutgoingWrap_Continuous()
    {
        var r = NewRewriter(initialSequence: 65534, initialTimestamp: uint.MaxValue - 1000);
        Forward(r, 1, 65535, 1, RewriteOutcome.Switched);
        Assert.Equal(((ushort)65535, unchecked(uint.MaxValue - 1000 + 3000)), Forward(r, 1, 0, 3001));
        Assert.Equal(((ushort)0, unchecked(uint.MaxValue - 1000 + 3000)), Forward(r, 1, 1, 3001));
        Assert.Equal(1, Forward(r, 1, 2, 6001).Seq);
    }

    [Fact]
    public void TryRewrite_Span_WritesSeqTsSsrcAtRfc3550Offsets()
    {
        var r = NewRewriter();
        var packet = RtpTestPackets.Build(7, 99, 0x01020304, marker: true);
        var before = packet.ToArray();
        Assert.True(r.TryRewrite(packet, 0x01020304, 7, 99, out var outcome));
        Assert.Equal(RewriteOutcome.Switched, outcome);
        Assert.Equal(1000, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2)));
        Assert.Equal(5000u, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(4)));
        Assert.Equal(Out, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(8)));
        Assert.Equal(before[..2], packet[..2]);       // V/P/X/CC, M/PT untouched
        Assert.Equal(before[12..], packet[12..]);     // payload untouched
        var dup = RtpTestPackets.Build(7, 99, 0x01020304);
        Assert.False(r.TryRewrite(dup, 0x01020304, 7, 99, out _));
        Assert.Equal(RtpTestPackets.Build(7, 99, 0x01020304), dup);
    }

    [Fact]
    public void TrySkip_NextInOrder_NoGapInOutput()
    {
        var r = NewRewriter();
        Forward(r, 1, 10, 0, RewriteOutcome.Switched);
        Assert.True(r.TrySkip(1, 11));
        Assert.True(r.TrySkip(1, 12));
        Assert.Equal(1001, Forward(r, 1, 13, 0).Seq);
        Forward(r, 1, 12, 0, RewriteOutcome.DroppedDuplicate);
    }

    [Fact]
    public void TrySkip_WithGapPending_Refused()
    {
        var r = NewRewriter();
        Forward(r, 1, 10, 0, RewriteOutcome.Switched);
        Forward(r, 1, 12, 0);                 // 11 missing
        Assert.False(r.TrySkip(1, 13));       // would let 11 collide later
        Assert.False(r.TrySkip(1, 20));       // not next in order
        Assert.False(r.TrySkip(2, 13));       // not the current source
        Assert.Equal(1001, Forward(r, 1, 11, 0).Seq);
    }

    [Fact]
    public void TryGetSent_MapsOutgoingBackToSource()
    {
        var r = NewRewriter();
        Forward(r, 7, 300, 1, RewriteOutcome.Switched);
        Forward(r, 8, 900, 2, RewriteOutcome.Switched);
        Assert.True(r.TryGetSent(1000, out var first));
        Assert.Equal(new SentPacket(1000, 5000, 7, 300), first);
        Assert.True(r.TryGetSent(1001, out var second));
        Assert.Equal(8u, second.SourceSsrc);
        Assert.Equal(900, second.SourceSequence);
        Assert.False(r.TryGetSent(1002, out _));
        Assert.False(r.TryGetSent(999, out _));
    }

    [Fact]
    public void TryGetSent_OlderThanHistory_False()
    {
        var r = new DownTrackRewriter(Out, 90000, _time, 0, 0, historySize: 16);
        for (ushort s = 0; s < 40; s++)
            Forward(r, 1, s, 0, s == 0 ? RewriteOutcome.Switched : RewriteOutcome.Forwarded);
        Assert.False(r.TryGetSent(20, out _));
        Assert.True(r.TryGetSent(30, out _));
    }
}

public sealed class DownTrackRewriterRobustnessTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void TryRewrite_SourceRestartsSequenceUnderSameSsrc_ResyncsAfterStaleRun()
    {
        var r = new DownTrackRewriter(1, 90000, _time, 100, 0);
        for (ushort s = 40000; s < 40010; s++)
            r.TryRewrite(5, s, 0, out _, out _, out _);
        ushort restart = 30000; // 10000 behind 40009: stale
        for (int i = 0; i < 64; i++)
        {
            Assert.False(r.TryRewrite(5, (ushort)(restart + i), 0, out _, out _, out var dropped));
            Assert.Equal(RewriteOutcome.DroppedBeforeSwitch, dropped);
        }
        Assert.True(r.TryRewrite(5, (ushort)(restart + 64), 0, out ushort seq, out _, out var outcome));
        Assert.Equal(RewriteOutcome.Switched, outcome);
        Assert.Equal(110, seq); // continues right after the last one sent
        Assert.True(r.TryRewrite(5, (ushort)(restart + 65), 0, out seq, out _, out _));
        Assert.Equal(111, seq);
    }

    [Fact]
    public void TryRewrite_ShortBuffer_DroppedInvalid()
    {
        var r = new DownTrackRewriter(1, 90000, _time);
        Assert.False(r.TryRewrite(new byte[11], 1, 1, 1, out var outcome));
        Assert.Equal(RewriteOutcome.DroppedInvalid, outcome);
        Assert.False(r.Started);
    }
}
