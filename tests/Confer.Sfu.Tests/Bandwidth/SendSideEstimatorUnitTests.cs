using Confer.Sfu.Bandwidth;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Bandwidth;

public sealed class SendSideEstimatorUnitTests
{
    [Fact]
    public void TargetBitrate_BeforeFeedback_IsStartBitrate()
    {
        var time = new FakeTimeProvider();
        var estimator = new SendSideEstimator(new SendHistory(time), time);
        Assert.Equal(1_000_000, estimator.TargetBitrate);
        Assert.Equal(0, estimator.AcknowledgedBitrate);
    }

    [Fact]
    public void Probe_RaisesTheEstimateOnAnUncongestedPath_NeverLowersIt_AndFeedbackStillRules()
    {
        var time = new FakeTimeProvider();
        var history = new SendHistory(time);
        var estimator = new SendSideEstimator(history, time);
        Assert.Equal(1_000_000, estimator.Probe(500_000)); // lower than the estimate: nothing to try
        Assert.Equal(0, estimator.Probes);
        Assert.Equal(1_800_000, estimator.Probe(1_800_000));
        Assert.Equal(1_800_000, estimator.TargetBitrate);
        Assert.Equal(1, estimator.Probes);
        // Packets out and no feedback: the timeout still cuts from the probed value.
        history.Record(1200, MediaClock.NowMicros(time));
        time.Advance(TimeSpan.FromSeconds(5));
        estimator.OnTick();
        Assert.True(estimator.TargetBitrate < 1_800_000);
    }

    [Theory]
    [InlineData(0, 100, 1000)]
    [InlineData(100, 50, 60)]
    [InlineData(100, 3000, 2000)]
    public void Validate_ImpossibleBounds_Throw(long min, long start, long max)
    {
        var options = new SendSideEstimatorOptions { MinBitrate = min, StartBitrate = start, MaxBitrate = max };
        Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
    }

    [Fact]
    public void OnFeedback_HeavyLoss_LowersTarget()
    {
        var time = new FakeTimeProvider();
        var history = new SendHistory(time);
        var estimator = new SendSideEstimator(history, time);
        var arrivals = new TwccArrival[20];
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < arrivals.Length; i++)
            {
                long now = MediaClock.NowMicros(time);
                ushort sequence = history.Record(1200, now + i * 1000);
                arrivals[i] = new TwccArrival(sequence, i % 2 == 0, now + i * 1000 + 20_000); // 50% loss, no delay growth
            }
            time.Advance(TimeSpan.FromMilliseconds(100));
            estimator.OnFeedback(arrivals);
        }
        Assert.True(estimator.TargetBitrate < 500_000, $"target {estimator.TargetBitrate}");
        Assert.InRange(estimator.LossFraction, 0.45, 0.55);
    }

    [Fact]
    public void OnFeedback_RepeatedOrUnknownReports_AreNotCountedTwice()
    {
        var time = new FakeTimeProvider();
        var history = new SendHistory(time);
        var estimator = new SendSideEstimator(history, time);
        ushort sequence = history.Record(1200, 0);
        TwccArrival[] feedback = [new(sequence, true, 10), new((ushort)(sequence + 500), true, 20)];
        estimator.OnFeedback(feedback);
        estimator.OnFeedback(feedback);
        Assert.Equal(1, estimator.FeedbackCount);
        Assert.Equal(3, estimator.UnmatchedReports);
    }

    [Fact]
    public void OnFeedback_PerFeedback_AllocatesNothing()
    {
        var time = new FakeTimeProvider();
        var history = new SendHistory(time);
        var estimator = new SendSideEstimator(history, time);
        var arrivals = new TwccArrival[16];
        void Rounds(int count)
        {
            for (int round = 0; round < count; round++)
            {
                long now = MediaClock.NowMicros(time);
                for (int i = 0; i < arrivals.Length; i++)
                {
                    ushort sequence = history.Record(1200, now + i * 3000);
                    arrivals[i] = new TwccArrival(sequence, i != 5, now + i * 3100 + 30_000);
                }
                time.Advance(TimeSpan.FromMilliseconds(50));
                estimator.OnFeedback(arrivals);
            }
        }
        Rounds(200);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Rounds(2000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void OnFeedback_RandomFeedback_NeverThrowsAndStaysInBounds()
    {
        var genArrival = Gen.Select(Gen.UShort[0, 400], Gen.Bool, Gen.Long[-5_000_000, 5_000_000]).Select((s, r, t) => new TwccArrival(s, r, t));
        Gen.Select(Gen.Int[0, 400], genArrival.Array[0, 60].Array[1, 10]).Sample((sent, feedbacks) =>
        {
            var time = new FakeTimeProvider();
            var history = new SendHistory(time, 256, firstSequence: 0);
            var options = new SendSideEstimatorOptions { MinBitrate = 50_000, MaxBitrate = 5_000_000 };
            var estimator = new SendSideEstimator(history, time, options);
            for (int i = 0; i < sent; i++) history.Record(i % 1500, i * 1000L);
            foreach (var feedback in feedbacks)
            {
                time.Advance(TimeSpan.FromMilliseconds(50));
                long target = estimator.OnFeedback(feedback);
                if (target < 50_000 || target > 5_000_000 || estimator.AcknowledgedBitrate < 0) return false;
            }
            return true;
        });
    }

    [Fact]
    public void OnTick_SendingWithoutFeedback_BacksOffOncePerTimeout()
    {
        var time = new FakeTimeProvider();
        var history = new SendHistory(time);
        var estimator = new SendSideEstimator(history, time);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1_000_000, estimator.OnTick()); // nothing sent: nothing to hear about
        history.Record(1200);
        Assert.Equal(800_000, estimator.OnTick());
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(800_000, estimator.OnTick());
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(640_000, estimator.OnTick());
        Assert.Equal(2, estimator.TimeoutCuts);
    }

    [Fact]
    public void OnTick_AfterFeedback_DoesNotBackOff()
    {
        var time = new FakeTimeProvider();
        var history = new SendHistory(time);
        var estimator = new SendSideEstimator(history, time);
        ushort sequence = history.Record(1200);
        time.Advance(TimeSpan.FromMilliseconds(900));
        estimator.OnFeedback([new TwccArrival(sequence, true, 5)]);
        time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Equal(estimator.TargetBitrate, estimator.OnTick());
        Assert.Equal(0, estimator.TimeoutCuts);
    }
}
