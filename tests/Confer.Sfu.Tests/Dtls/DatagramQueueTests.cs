using Confer.Sfu.Dtls;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Dtls;

public sealed class DatagramQueueTests
{
    [Fact]
    public void Dequeue_InOrder_CopiesAndFreesSpace()
    {
        var queue = new DatagramQueue(maxCount: 2, maxBytes: 100, TimeProvider.System);
        Assert.True(queue.TryEnqueue([1, 2, 3]));
        Assert.True(queue.TryEnqueue([4]));
        Assert.False(queue.TryEnqueue([5])); // count limit
        var buffer = new byte[10];
        Assert.Equal(3, queue.Dequeue(buffer, 10, CancellationToken.None));
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer[..3]);
        Assert.True(queue.TryEnqueue([6, 7]));
        Assert.Equal(1, queue.Dequeue(buffer, 10, CancellationToken.None));
        Assert.Equal(4, buffer[0]);
        Assert.Equal(2, queue.Dequeue(buffer, 10, CancellationToken.None));
        Assert.Equal(-1, queue.Dequeue(buffer, 10, CancellationToken.None));
        Assert.Equal(1, queue.Dropped);
    }

    [Fact]
    public void TryEnqueue_ByteLimit_Drops()
    {
        var queue = new DatagramQueue(maxCount: 10, maxBytes: 10, TimeProvider.System);
        Assert.True(queue.TryEnqueue(new byte[6]));
        Assert.False(queue.TryEnqueue(new byte[5]));
        Assert.True(queue.TryEnqueue(new byte[4]));
        Assert.Equal(10, queue.Bytes);
    }

    [Fact]
    public void Dequeue_SmallerDestination_TruncatesAndStillConsumes()
    {
        var queue = new DatagramQueue(4, 100, TimeProvider.System);
        queue.TryEnqueue([1, 2, 3, 4]);
        var small = new byte[2];
        Assert.Equal(2, queue.Dequeue(small, 10, CancellationToken.None));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Close_ReturnsBuffersWakesWaiterAndRefuses()
    {
        var queue = new DatagramQueue(4, 100, TimeProvider.System);
        queue.TryEnqueue([1]);
        queue.Close();
        Assert.Equal(0, queue.Count);
        Assert.Equal(0, queue.Bytes);
        Assert.False(queue.TryEnqueue([2]));
        Assert.Throws<ObjectDisposedException>(() => queue.Dequeue(new byte[4], 10, CancellationToken.None));
    }

    [Fact]
    public async Task Dequeue_Waiting_WokenByCancellation()
    {
        var queue = new DatagramQueue(4, 100, TimeProvider.System);
        using var cts = new CancellationTokenSource();
        var waiter = Task.Factory.StartNew(() => queue.Dequeue(new byte[4], 0, cts.Token), TaskCreationOptions.LongRunning);
        await Task.Delay(50);
        cts.Cancel();
        queue.Wake();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Dequeue_Waiting_WokenByDatagram()
    {
        var queue = new DatagramQueue(4, 100, TimeProvider.System);
        var waiter = Task.Factory.StartNew(() => queue.Dequeue(new byte[4], 10_000, CancellationToken.None), TaskCreationOptions.LongRunning);
        await Task.Delay(50);
        queue.TryEnqueue([9, 9]);
        Assert.Equal(2, await waiter.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void LastEnqueueTimestamp_FollowsTimeProvider()
    {
        var time = new FakeTimeProvider();
        var queue = new DatagramQueue(4, 100, time);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(3), time.GetElapsedTime(queue.LastEnqueueTimestamp));
        queue.TryEnqueue([1]);
        Assert.Equal(TimeSpan.Zero, time.GetElapsedTime(queue.LastEnqueueTimestamp));
    }

    [Fact]
    public void EnqueueDequeue_SteadyState_AllocatesNothing()
    {
        var queue = new DatagramQueue(32, 64 * 1024, TimeProvider.System);
        var datagram = new byte[1200];
        var buffer = new byte[4096];
        // Warm the pool with the same pattern (two buffers out at once) as the measured loop.
        for (int i = 0; i < 100; i++)
        {
            queue.TryEnqueue(datagram);
            queue.TryEnqueue(datagram);
            queue.Dequeue(buffer, 1, CancellationToken.None);
            queue.Dequeue(buffer, 1, CancellationToken.None);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            queue.TryEnqueue(datagram);
            queue.TryEnqueue(datagram);
            queue.Dequeue(buffer, 1, CancellationToken.None);
            queue.Dequeue(buffer, 1, CancellationToken.None);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
