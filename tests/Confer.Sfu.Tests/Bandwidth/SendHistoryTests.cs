using Confer.Sfu.Bandwidth;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Bandwidth;

public sealed class SendHistoryTests
{
    [Fact]
    public void Record_AssignsConsecutiveSequencesAcrossWrap()
    {
        var history = new SendHistory(new FakeTimeProvider(), 16, firstSequence: 65534);
        Assert.Equal(65534, history.Record(100, 1));
        Assert.Equal(65535, history.Record(200, 2));
        Assert.Equal(0, history.Record(300, 3));
        Assert.True(history.TryGet(65535, out var packet));
        Assert.Equal(new SentPacket(65535, 200, 2), packet);
        Assert.True(history.TryGet(0, out packet));
        Assert.Equal(new SentPacket(65536, 300, 3), packet);
    }

    [Fact]
    public void Record_TakesSendTimeFromTimeProvider()
    {
        var time = new FakeTimeProvider();
        var history = new SendHistory(time);
        time.Advance(TimeSpan.FromMilliseconds(7));
        ushort sequence = history.Record(1200);
        Assert.True(history.TryGet(sequence, out var packet));
        Assert.Equal(MediaClock.NowMicros(time), packet.SendMicros);
    }

    [Fact]
    public void TryGet_OlderThanCapacityOrNotSent_ReturnsFalse()
    {
        var history = new SendHistory(new FakeTimeProvider(), 16, firstSequence: 0);
        for (int i = 0; i < 20; i++) history.Record(i, i);
        Assert.False(history.TryGet(3, out _));   // overwritten
        Assert.True(history.TryGet(4, out _));
        Assert.False(history.TryGet(20, out _));  // not yet sent
        Assert.False(history.TryGet(40000, out _));
    }

    [Fact]
    public void TryReport_Twice_SecondIsRefused()
    {
        var history = new SendHistory(new FakeTimeProvider(), 16);
        ushort sequence = history.Record(500, 9);
        Assert.True(history.TryReport(sequence, out var packet));
        Assert.Equal(500, packet.Size);
        Assert.False(history.TryReport(sequence, out _));
        Assert.True(history.TryGet(sequence, out _));
    }

    [Fact]
    public void Record_PerPacket_AllocatesNothing()
    {
        var history = new SendHistory(new FakeTimeProvider());
        long sum = 0;
        for (int i = 0; i < 10_000; i++) sum += history.Record(1200, i);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100_000; i++)
        {
            ushort sequence = history.Record(1200, i);
            if (history.TryReport(sequence, out var packet)) sum += packet.Size;
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);
    }

    [Fact]
    public void TryReport_RandomSequences_NeverThrows()
    {
        Gen.Select(Gen.Int[0, 300], Gen.UShort.Array[0, 100]).Sample((sent, queries) =>
        {
            var history = new SendHistory(new FakeTimeProvider(), 64, firstSequence: 65500);
            for (int i = 0; i < sent; i++) history.Record(i, i);
            foreach (var q in queries)
            {
                if (history.TryReport(q, out var packet) && (ushort)packet.Sequence != q) return false;
            }
            return true;
        });
    }
}
