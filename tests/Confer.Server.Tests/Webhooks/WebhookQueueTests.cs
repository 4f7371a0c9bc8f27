using Confer.Server.Webhooks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace Confer.Server.Tests.Webhooks;

/// <summary>One receiver's queue on a <see cref="FakeTimeProvider"/>: the backoff schedule, the attempt bound, the memory bound.</summary>
public sealed class WebhookQueueTests
{
    private static WebhookEvent Event(int i, string padding = "") =>
        new("participant_joined", new WebhookRoom("RM_1", "r" + padding, 20, 100, 1, 1000, null, 1, 0), null, null, $"EV_{i}", 1);

    private static WebhookItem Item(WebhookEvent e) =>
        new(e, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(e, WebhookJsonContext.Default.WebhookEvent));

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = Environment.TickCount64 + 5000;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline) throw new TimeoutException(what);
            await Task.Delay(10);
        }
        await Task.Delay(100); // let the loop reach its next wait on the fake clock
    }

    [Fact]
    public async Task Backoff_DoublesUpToItsCap_AndTheEventIsDroppedAfterMaxAttempts()
    {
        await using var receiver = await HookReceiver.StartAsync((_, _) => Task.FromResult(500));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new WebhookOptions
        {
            InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(4), MaxAttempts = 5, MaxRetryTime = TimeSpan.FromHours(1),
        };
        var metrics = new WebhookMetrics(Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry()));
        using var http = new HttpClient();
        var queue = new WebhookQueue(new Uri(receiver.Url), options, new WebhookSigner("k", "s", time), http, metrics, time, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var loop = queue.RunAsync(stop.Token);

        queue.Offer(Item(Event(1)));
        await Until(() => metrics.FailedCount == 1, "first attempt");
        // Waits of 1, 2, 4 and 4 s (the cap), each with up to 25% jitter on top: never early, never later than 1.25×.
        foreach (var (wait, attempts) in new[] { (1.0, 2), (2.0, 3), (4.0, 4), (4.0, 5) })
        {
            time.Advance(TimeSpan.FromSeconds(wait * 0.99));
            await Task.Delay(150);
            Assert.Equal(attempts - 1, receiver.Count);
            time.Advance(TimeSpan.FromSeconds(wait * 0.27));
            await Until(() => metrics.FailedCount == attempts, $"attempt {attempts}");
        }
        Assert.Equal(1, metrics.DroppedCount); // gave up after 5 attempts
        time.Advance(TimeSpan.FromMinutes(1));
        await Task.Delay(150);
        Assert.Equal(5, receiver.Count);
        Assert.Equal(0, queue.Count);

        queue.Complete();
        await loop.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Offer_OverTheBounds_DropsTheOldestAndTheNextDeliveredEventSaysHowMany()
    {
        var open = new TaskCompletionSource();
        await using var receiver = await HookReceiver.StartAsync(async (_, abort) => { await open.Task.WaitAsync(abort); return 200; });
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new WebhookOptions { MaxQueuedEvents = 5, MaxQueuedBytes = 2000, RequestTimeout = TimeSpan.FromMinutes(5) };
        var metrics = new WebhookMetrics(Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry()));
        using var http = new HttpClient();
        var queue = new WebhookQueue(new Uri(receiver.Url), options, new WebhookSigner("k", "s", time), http, metrics, time, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var loop = queue.RunAsync(stop.Token);

        queue.Offer(Item(Event(0)));
        await Until(() => receiver.Count == 1, "the first event in flight"); // it holds the loop: the rest waits
        for (int i = 1; i <= 20; i++) queue.Offer(Item(Event(i)));
        Assert.Equal(5, queue.Count);
        Assert.Equal(15, metrics.DroppedCount);
        Assert.InRange(metrics.QueuedBytes, 1, 2000);

        var big = new string('x', 600); // three of these are over 2000 bytes: the byte bound drops more
        for (int i = 21; i <= 23; i++) queue.Offer(Item(Event(i, big)));
        Assert.InRange(metrics.QueuedBytes, 1, 2000);
        Assert.True(queue.Count < 5);

        open.SetResult();
        queue.Complete();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
        var got = receiver.Accepted;
        Assert.Equal("EV_0", got[0].Id);
        Assert.Equal(metrics.DroppedCount, got[1].Json.GetProperty("numDropped").GetInt32());
        Assert.Equal(got.Select(r => int.Parse(r.Id[3..])).Order(), got.Select(r => int.Parse(r.Id[3..]))); // still in order
        Assert.Equal("EV_23", got[^1].Id);
        Assert.Equal(0, metrics.QueuedCount);
    }
}
