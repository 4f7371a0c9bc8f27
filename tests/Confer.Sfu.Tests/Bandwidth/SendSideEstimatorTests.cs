using Confer.Sfu.Bandwidth;
using Xunit.Abstractions;

namespace Confer.Sfu.Tests.Bandwidth;

public sealed class SendSideEstimatorTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(300_000, 25_000)]
    [InlineData(300_000, 5_000)]
    [InlineData(300_000, 75_000)]
    [InlineData(1_000_000, 25_000)]
    [InlineData(2_500_000, 25_000)]
    public void OnFeedback_Bottleneck_ConvergesAndBoundsQueue(long capacity, long oneWayMicros)
    {
        var link = new SimulatedLink(capacityBps: capacity, propagationMicros: oneWayMicros);
        long startupQueue = 0;
        link.Run(TimeSpan.FromSeconds(20), l => startupQueue = Math.Max(startupQueue, l.QueueDelayMicros));
        double sum = 0; int samples = 0; long min = long.MaxValue, max = 0, maxQueue = 0;
        link.Run(TimeSpan.FromSeconds(40), l =>
        {
            long target = l.Estimator.TargetBitrate;
            sum += target; samples++;
            min = Math.Min(min, target); max = Math.Max(max, target);
            maxQueue = Math.Max(maxQueue, l.QueueDelayMicros);
        });
        double mean = sum / samples;
        output.WriteLine($"{capacity / 1000} kb/s bottleneck, one-way {oneWayMicros / 1000} ms, 20-60 s: mean {mean / 1000:F0} kb/s, min {min / 1000} kb/s, max {max / 1000} kb/s, max queue {maxQueue / 1000} ms (first 20 s: {startupQueue / 1000} ms), acked {link.Estimator.AcknowledgedBitrate / 1000} kb/s, threshold {link.Estimator.DetectorThreshold:F1}");
        Assert.InRange(mean, capacity * 0.75, capacity * 1.25);
        Assert.InRange(maxQueue, 0, 400_000);
    }

    [Theory]
    [InlineData(0.25, 10.0)] // the default growth
    [InlineData(0.08, 30.0)] // GCC's eta = 1.08 per second, for comparison
    public void OnFeedback_LimitLiftedTo3M_ClimbsAbove1500k(double growthPerSecond, double withinSeconds)
    {
        var options = new SendSideEstimatorOptions { MultiplicativeIncreasePerSecond = growthPerSecond };
        var link = new SimulatedLink(capacityBps: 300_000, options: options);
        link.Run(TimeSpan.FromSeconds(30));
        long before = link.Estimator.TargetBitrate;
        link.CapacityBps = 3_000_000;
        double lifted = link.ElapsedSeconds, reached = double.NaN;
        link.Run(TimeSpan.FromSeconds(30), l =>
        {
            if (double.IsNaN(reached) && l.Estimator.TargetBitrate > 1_500_000) reached = l.ElapsedSeconds;
        });
        output.WriteLine($"growth {growthPerSecond:P0}/s: lifted at {before / 1000} kb/s; above 1.5 Mb/s after {reached - lifted:F2} s; after 30 s {link.Estimator.TargetBitrate / 1000} kb/s");
        Assert.False(double.IsNaN(reached));
        Assert.InRange(reached - lifted, 0, withinSeconds);
    }

    [Fact]
    public void OnFeedback_CapacityDropsTo500k_FollowsDownAndDrainsQueue()
    {
        var link = new SimulatedLink(capacityBps: 2_500_000);
        link.Run(TimeSpan.FromSeconds(20));
        link.CapacityBps = 500_000;
        double dropped = link.ElapsedSeconds, below = double.NaN;
        long maxQueue = 0, lateQueue = 0;
        link.Run(TimeSpan.FromSeconds(20), l =>
        {
            if (double.IsNaN(below) && l.Estimator.TargetBitrate <= 625_000) below = l.ElapsedSeconds;
            maxQueue = Math.Max(maxQueue, l.QueueDelayMicros);
            if (l.ElapsedSeconds > dropped + 10) lateQueue = Math.Max(lateQueue, l.QueueDelayMicros);
        });
        output.WriteLine($"2.5 Mb/s -> 500 kb/s: estimate <= 625 kb/s after {below - dropped:F2} s, peak queue {maxQueue / 1000} ms, max queue 10-20 s after {lateQueue / 1000} ms, end {link.Estimator.TargetBitrate / 1000} kb/s");
        Assert.InRange(below - dropped, 0, 3);
        Assert.InRange(lateQueue, 0, 150_000);
        Assert.InRange(link.Estimator.TargetBitrate, 375_000, 625_000);
    }

    [Fact]
    public void OnFeedback_RandomLoss5PercentNoBottleneck_DoesNotCollapse()
    {
        var link = new SimulatedLink(capacityBps: 50_000_000, lossRate: 0.05, seed: 7);
        long min = long.MaxValue;
        link.Run(TimeSpan.FromSeconds(5));
        link.Run(TimeSpan.FromSeconds(25), l => min = Math.Min(min, l.Estimator.TargetBitrate));
        output.WriteLine($"5% loss: min {min / 1000} kb/s over 5-30 s, end {link.Estimator.TargetBitrate / 1000} kb/s, loss window {link.Estimator.LossFraction:P1}");
        Assert.True(min >= 800_000, $"estimate fell to {min}");
    }
}
