using Confer.Sfu.Bandwidth;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Bandwidth;

public sealed class BitrateMeterTests
{
    [Fact]
    public void BitsPerSecond_SteadyStream_MatchesRate()
    {
        var meter = new BitrateMeter(TimeSpan.FromSeconds(1), 20);
        // 1000 bytes every 10 ms = 800 kb/s, for 3 s.
        for (long t = 0; t < 3_000_000; t += 10_000) meter.Add(1000, t);
        Assert.InRange(meter.BitsPerSecond(2_999_999), 790_000, 810_000);
    }

    [Fact]
    public void BitsPerSecond_AfterSilenceLongerThanWindow_IsZero()
    {
        var meter = new BitrateMeter(TimeSpan.FromSeconds(1), 10);
        for (long t = 0; t < 1_000_000; t += 10_000) meter.Add(1000, t);
        Assert.Equal(0, meter.BitsPerSecond(2_500_000));
    }

    [Fact]
    public void BitsPerSecond_NewStream_IsNotUnderratedBeforeAFullWindow()
    {
        var meter = new BitrateMeter(TimeSpan.FromSeconds(1), 20);
        for (long t = 0; t < 200_000; t += 10_000) meter.Add(1000, t);
        Assert.InRange(meter.BitsPerSecond(199_999), 700_000, 850_000);
    }

    [Fact]
    public void LayerBitrateMeter_TemporalLayers_AreCumulative()
    {
        var time = new FakeTimeProvider();
        var meter = new LayerBitrateMeter(time);
        for (int i = 0; i < 100; i++)
        {
            meter.Record(1, 0, 1000);
            meter.Record(1, 1, 500);
            meter.Record(0, 0, 250);
            meter.Record(5, 0, 999); // out of range, ignored
            time.Advance(TimeSpan.FromMilliseconds(10));
        }
        long t0 = meter.BitsPerSecond(1, 0), t1 = meter.BitsPerSecond(1, 1);
        Assert.InRange(t0, 780_000, 820_000);
        Assert.InRange(t1, 1_170_000, 1_230_000);
        Assert.InRange(meter.BitsPerSecond(0, 3), 190_000, 210_000);
        Assert.Equal(0, meter.BitsPerSecond(2, 0));
    }

    [Fact]
    public void Add_PerPacket_AllocatesNothing()
    {
        var meter = new BitrateMeter();
        long sum = 0;
        for (long t = 0; t < 10_000; t++) meter.Add(100, t * 100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (long t = 10_000; t < 110_000; t++)
        {
            meter.Add(100, t * 100);
            if (t % 100 == 0) sum += meter.BitsPerSecond(t * 100);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);
    }
}
