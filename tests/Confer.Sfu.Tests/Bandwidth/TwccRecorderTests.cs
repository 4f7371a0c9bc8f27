using Confer.Sfu.Bandwidth;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Bandwidth;

public sealed class TwccRecorderTests
{
    private readonly FakeTimeProvider _time = new();

    private TwccRecorder NewRecorder(int window = 4096) =>
        new(_time, new TwccRecorderOptions { FeedbackInterval = TimeSpan.FromMilliseconds(50), WindowSize = window });

    private TwccArrival[] Take(TwccRecorder recorder, out TwccFeedbackBatch batch, int capacity = 256)
    {
        _time.Advance(TimeSpan.FromMilliseconds(50));
        var buffer = new TwccArrival[capacity];
        Assert.True(recorder.TryTakeFeedback(buffer, out batch));
        return buffer[..batch.Count];
    }

    [Fact]
    public void TryTakeFeedback_InOrderWithGap_ReportsGapAsNotReceived()
    {
        var recorder = NewRecorder();
        recorder.Record(10, 1_000);
        recorder.Record(11, 2_000);
        recorder.Record(13, 4_000);
        var arrivals = Take(recorder, out var batch);
        Assert.Equal(new TwccFeedbackBatch(10, 4, 0), batch);
        Assert.Equal(
            [new(10, true, 1_000), new(11, true, 2_000), new(12, false, 0), new(13, true, 4_000)],
            arrivals);
    }

    [Fact]
    public void TryTakeFeedback_BeforeInterval_ReturnsFalse()
    {
        var recorder = NewRecorder();
        recorder.Record(1, 0);
        _time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.False(recorder.TryTakeFeedback(new TwccArrival[16], out _));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(recorder.TryTakeFeedback(new TwccArrival[16], out _));
        _time.Advance(TimeSpan.FromMilliseconds(60));
        Assert.False(recorder.TryTakeFeedback(new TwccArrival[16], out _)); // nothing pending
    }

    [Fact]
    public void Record_AcrossWrap_UnwrapsInOrder()
    {
        var recorder = NewRecorder();
        recorder.Record(65534, 1);
        recorder.Record(65535, 2);
        recorder.Record(0, 3);
        recorder.Record(1, 4);
        var arrivals = Take(recorder, out var batch);
        Assert.Equal(65534, batch.BaseSequence);
        Assert.Equal(new ushort[] { 65534, 65535, 0, 1 }, arrivals.Select(a => a.Sequence));
        Assert.All(arrivals, a => Assert.True(a.Received));
    }

    [Fact]
    public void Record_ReorderedAcrossWrap_FillsTheHole()
    {
        var recorder = NewRecorder();
        recorder.Record(65535, 1);
        recorder.Record(1, 3);
        recorder.Record(0, 5); // late, but before the feedback
        var arrivals = Take(recorder, out _);
        Assert.Equal([new(65535, true, 1), new(0, true, 5), new(1, true, 3)], arrivals);
    }

    [Fact]
    public void Record_Duplicate_KeepsFirstArrivalAndCounts()
    {
        var recorder = NewRecorder();
        recorder.Record(5, 100);
        recorder.Record(5, 900);
        recorder.Record(6, 200);
        var arrivals = Take(recorder, out _);
        Assert.Equal([new(5, true, 100), new(6, true, 200)], arrivals);
        Assert.Equal(1, recorder.Duplicates);
    }

    [Fact]
    public void Record_AfterItsFeedback_IsLateAndNotReportedAgain()
    {
        var recorder = NewRecorder();
        recorder.Record(1, 1);
        recorder.Record(3, 3);
        Take(recorder, out _);
        recorder.Record(2, 2);   // already reported as lost
        recorder.Record(4, 4);
        var arrivals = Take(recorder, out var batch);
        Assert.Equal(4, batch.BaseSequence);
        Assert.Equal([new(4, true, 4)], arrivals);
        Assert.Equal(1, recorder.Late);
    }

    [Fact]
    public void TryTakeFeedback_SmallBuffer_SplitsAndContinuesAtOnce()
    {
        var recorder = NewRecorder();
        for (ushort s = 0; s < 10; s++) recorder.Record(s, s * 10);
        var first = Take(recorder, out var one, capacity: 4);
        var buffer = new TwccArrival[16];
        Assert.True(recorder.TryTakeFeedback(buffer, out var two)); // no wait for the rest
        Assert.Equal((0, 4, 0), (one.BaseSequence, one.Count, one.FeedbackCount));
        Assert.Equal((4, 6, 1), (two.BaseSequence, two.Count, two.FeedbackCount));
        Assert.Equal(3, first[3].Sequence);
    }

    [Fact]
    public void TryTakeFeedback_FeedbackCount_WrapsAt256()
    {
        var recorder = NewRecorder();
        TwccFeedbackBatch batch = default;
        for (int i = 0; i < 257; i++)
        {
            recorder.Record((ushort)i, i);
            Take(recorder, out batch);
        }
        Assert.Equal(0, batch.FeedbackCount);
    }

    [Fact]
    public void Record_BeyondWindow_DropsOldestUnreported()
    {
        var recorder = NewRecorder(window: 16);
        recorder.Record(0, 0);
        recorder.Record(40, 40);
        var arrivals = Take(recorder, out var batch);
        Assert.Equal(25, batch.BaseSequence); // 40 - 16 + 1
        Assert.Equal(16, batch.Count);
        Assert.Equal(25, recorder.Dropped);
        Assert.True(arrivals[^1].Received);
        Assert.All(arrivals[..^1], a => Assert.False(a.Received));
    }

    [Fact]
    public void Record_PerPacket_AllocatesNothing()
    {
        var recorder = NewRecorder();
        var buffer = new TwccArrival[512];
        void Loop(int count)
        {
            for (int i = 0; i < count; i++)
            {
                recorder.Record((ushort)(i * 3 % 65536), i);
                if ((i & 255) == 0)
                {
                    _time.Advance(TimeSpan.FromMilliseconds(50));
                    recorder.TryTakeFeedback(buffer, out _);
                }
            }
        }
        Loop(10_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Loop(100_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Record_RandomSequences_NeverThrowsAndBatchesAreContiguous()
    {
        Gen.Select(Gen.UShort.Array[1, 400], Gen.Int[1, 64]).Sample((sequences, bufferSize) =>
        {
            var time = new FakeTimeProvider();
            var recorder = new TwccRecorder(time, new TwccRecorderOptions { WindowSize = 64 });
            var buffer = new TwccArrival[bufferSize];
            for (int i = 0; i < sequences.Length; i++)
            {
                recorder.Record(sequences[i], i);
                if (i % 7 == 0)
                {
                    time.Advance(TimeSpan.FromMilliseconds(50));
                    if (recorder.TryTakeFeedback(buffer, out var batch))
                    {
                        if (batch.Count < 1 || batch.Count > bufferSize) return false;
                        for (int k = 0; k < batch.Count; k++)
                            if (buffer[k].Sequence != (ushort)(batch.BaseSequence + k)) return false;
                    }
                }
            }
            return true;
        });
    }
}
