using Confer.Sfu.Forwarding;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Forwarding;

/// <summary>
/// Random streams of layer and publisher switches, wraps, reorders and duplicates: outgoing sequence numbers
/// are contiguous for in-order input, never repeat, and timestamps never go backwards across a switch.
/// </summary>
public sealed class DownTrackRewriterPropertyTests
{
    private sealed record Segment(ushort StartSeq, uint StartTs, int Count, int GapMs, int PacketsPerFrame);

    private static readonly Gen<Segment> SegmentGen =
        from seq in Gen.UShort
        from ts in Gen.UInt
        from count in Gen.Int[1, 80]
        from gap in Gen.Int[0, 300]
        from perFrame in Gen.Int[1, 5]
        select new Segment(seq, ts, count, gap, perFrame);

    private static readonly Gen<(ushort, uint, Segment[])> StreamGen =
        Gen.Select(Gen.UShort, Gen.UInt, SegmentGen.Array[1, 12]);

    private static uint TsOf(Segment s, int i) => unchecked(s.StartTs + (uint)(i / s.PacketsPerFrame) * 3000);

    [Fact]
    public void TryRewrite_InOrderWithSwitches_ContiguousSequenceMonotonicTimestamp() => StreamGen.Sample(stream =>
    {
        var (initialSeq, initialTs, segments) = stream;
        var time = new FakeTimeProvider();
        var r = new DownTrackRewriter(1, 90000, time, initialSeq, initialTs);
        ushort expectedSeq = initialSeq;
        uint lastTs = 0;
        bool any = false;
        for (int k = 0; k < segments.Length; k++)
        {
            var s = segments[k];
            time.Advance(TimeSpan.FromMilliseconds(s.GapMs));
            uint ssrc = (uint)(k + 100); // every segment is a new source: a layer or publisher switch
            for (int i = 0; i < s.Count; i++)
            {
                Assert.True(r.TryRewrite(ssrc, (ushort)(s.StartSeq + i), TsOf(s, i), out ushort seq, out uint ts, out var outcome));
                Assert.Equal(i == 0 ? RewriteOutcome.Switched : RewriteOutcome.Forwarded, outcome);
                Assert.Equal(expectedSeq, seq);
                if (any)
                {
                    int step = unchecked((int)(ts - lastTs));
                    Assert.True(i == 0 ? step > 0 : step >= 0, $"timestamp went from {lastTs} to {ts}");
                }
                expectedSeq++;
                lastTs = ts;
                any = true;
            }
        }
    }, iter: 2000);

    [Fact]
    public void TryRewrite_ReorderedAndDuplicated_NoOutgoingSequenceTwice() =>
        Gen.Select(StreamGen, Gen.Int[0, int.MaxValue]).Sample(input =>
        {
            var ((initialSeq, initialTs, segments), seed) = input;
            var random = new Random(seed);
            var time = new FakeTimeProvider();
            var r = new DownTrackRewriter(1, 90000, time, initialSeq, initialTs);
            var seen = new HashSet<ushort>();
            int total = 0;
            for (int k = 0; k < segments.Length; k++)
            {
                var s = segments[k];
                time.Advance(TimeSpan.FromMilliseconds(s.GapMs));
                uint ssrc = (uint)(k % 3 + 1); // back and forth between three layers
                var order = Enumerable.Range(0, s.Count).ToList();
                for (int i = 2; i < order.Count; i++) // keep the first packet first: it is the switch point
                    if (random.Next(4) == 0)
                        (order[i - 1], order[i]) = (order[i], order[i - 1]);
                for (int i = 1; i < order.Count; i++)
                    if (random.Next(8) == 0)
                        order.Insert(i, order[random.Next(i)]); // a duplicate of something already sent
                ushort? baseOut = null;
                foreach (int i in order)
                {
                    if (!r.TryRewrite(ssrc, (ushort)(s.StartSeq + i), TsOf(s, i), out ushort seq, out _, out var outcome))
                    {
                        Assert.Equal(RewriteOutcome.DroppedDuplicate, outcome);
                        continue;
                    }
                    baseOut ??= seq;
                    Assert.Equal((ushort)(baseOut.Value + i), seq); // same distance as the source
                    Assert.True(seen.Add(seq), $"outgoing sequence {seq} sent twice");
                    total++;
                }
            }
            Assert.True(total <= 65536 / 2);
        }, iter: 2000);
}
