using Confer.Sfu.Forwarding;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Forwarding;

public sealed class LossDetectorTests
{
    private readonly FakeTimeProvider _time = new();

    private static ushort[] Collect(LossDetector d, int max = 64)
    {
        var buffer = new ushort[max];
        return buffer[..d.CollectNacks(buffer)];
    }

    [Fact]
    public void CollectNacks_Gap_ListsMissingOnce_PerRtt()
    {
        var d = new LossDetector(_time) { RoundTripTime = TimeSpan.FromMilliseconds(40) };
        d.OnPacket(10);
        d.OnPacket(11);
        d.OnPacket(15);
        Assert.Equal(new ushort[] { 12, 13, 14 }, Collect(d));
        Assert.Empty(Collect(d));
        _time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.Equal(new ushort[] { 12, 13, 14 }, Collect(d));
    }

    [Fact]
    public void OnPacket_LateArrival_RemovedFromList()
    {
        var d = new LossDetector(_time);
        d.OnPacket(1);
        d.OnPacket(5);
        d.OnPacket(3);
        Assert.Equal(new ushort[] { 2, 4 }, Collect(d));
        d.OnPacket(2);
        _time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(new ushort[] { 4 }, Collect(d));
        Assert.Equal(2, d.Recovered);
    }

    [Fact]
    public void OnPacket_AcrossWrap_MissingAroundZero()
    {
        var d = new LossDetector(_time);
        d.OnPacket(65533);
        d.OnPacket(2);
        Assert.Equal(new ushort[] { 65534, 65535, 0, 1 }, Collect(d));
    }

    [Fact]
    public void CollectNacks_RetriesCapped_ThenGivenUp()
    {
        var d = new LossDetector(_time, maxRetries: 3, maxAge: TimeSpan.FromSeconds(10)) { RoundTripTime = TimeSpan.FromMilliseconds(10) };
        d.OnPacket(0);
        d.OnPacket(2);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(new ushort[] { 1 }, Collect(d));
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }
        Assert.Empty(Collect(d));
        Assert.Equal(0, d.Tracked);
        Assert.Equal(1, d.GaveUp);
    }

    [Fact]
    public void CollectNacks_TooOld_GivenUp()
    {
        var d = new LossDetector(_time, maxAge: TimeSpan.FromMilliseconds(300));
        d.OnPacket(0);
        d.OnPacket(2);
        _time.Advance(TimeSpan.FromMilliseconds(301));
        Assert.Empty(Collect(d));
        Assert.Equal(1, d.GaveUp);
    }

    [Fact]
    public void CollectNacks_FirstNackDelay_WaitsForReorder()
    {
        var d = new LossDetector(_time, firstNackDelay: TimeSpan.FromMilliseconds(20));
        d.OnPacket(0);
        d.OnPacket(2);
        Assert.Empty(Collect(d));
        _time.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(new ushort[] { 1 }, Collect(d));
    }

    [Fact]
    public void OnPacket_HugeGap_BoundedToCapacity_NewestKept()
    {
        var d = new LossDetector(_time, capacity: 8);
        d.OnPacket(0);
        d.OnPacket(1000);
        Assert.Equal(8, d.Tracked);
        Assert.Equal(Enumerable.Range(992, 8).Select(i => (ushort)i).ToArray(), Collect(d));
        Assert.Equal(999 - 8, d.GaveUp);
        d.OnPacket(1003); // two more missing push the two oldest out
        _time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Equal(new ushort[] { 994, 995, 996, 997, 998, 999, 1001, 1002 }, Collect(d));
    }

    [Fact]
    public void CollectNacks_SmallDestination_RestStaysDue()
    {
        var d = new LossDetector(_time);
        d.OnPacket(0);
        d.OnPacket(6);
        Assert.Equal(new ushort[] { 1, 2 }, Collect(d, 2));
        Assert.Equal(new ushort[] { 3, 4, 5 }, Collect(d));
    }

    [Fact]
    public void OnPacket_RandomSequences_NeverThrowsAndStaysBounded() =>
        Gen.UShort.Array[1, 300].Sample(sequences =>
        {
            var d = new LossDetector(new FakeTimeProvider(), capacity: 32);
            var buffer = new ushort[16];
            foreach (ushort s in sequences)
            {
                d.OnPacket(s);
                Assert.InRange(d.Tracked, 0, 32);
                Assert.InRange(d.CollectNacks(buffer), 0, 16);
            }
        }, iter: 500);
}
