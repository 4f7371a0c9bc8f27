using System.Diagnostics;
using Confer.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Xunit.Abstractions;

namespace Confer.Server.Tests.Webhooks;

/// <summary>A receiver that is down or slow costs bounded memory and never slows a meeting.</summary>
public sealed class WebhookLimitsTests(ITestOutputHelper output)
{
    /// <summary>Join latencies of <paramref name="count"/> participants who join and leave one after another.</summary>
    private static async Task<List<double>> JoinLeaveAsync(Uri http, string room, int count, Action? afterEach = null)
    {
        var times = new List<double>();
        for (int i = 0; i < count; i++)
        {
            var client = await RtcClient.JoinAsync(http, WebhookTestHost.Token(room, $"p{i}"));
            times.Add(client.JoinTime.TotalMilliseconds);
            await client.PublishAsync($"mic-{i}", "audio", "microphone");
            await client.LeaveAsync();
            afterEach?.Invoke();
        }
        return times;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    [Fact]
    public async Task Webhooks_ReceiverStaysDown_QueueStaysBoundedAndJoinsStayFast()
    {
        // Baseline: the same host without webhooks.
        List<double> baseline;
        await using (var plain = await WebhookTestHost.StartAsync([]))
        {
            await JoinLeaveAsync(ConferHost.HttpAddress(plain), "warmup", 3);
            baseline = await JoinLeaveAsync(ConferHost.HttpAddress(plain), "base", 20);
        }

        var down = true;
        await using var receiver = await HookReceiver.StartAsync((_, _) => Task.FromResult(Volatile.Read(ref down) ? 503 : 200));
        await using var app = await WebhookTestHost.StartAsync([receiver.Url], o =>
        {
            o.MaxQueuedEvents = 10;
            o.MaxQueuedBytes = 4096;
            o.InitialBackoff = TimeSpan.FromMilliseconds(200);
            o.MaxBackoff = TimeSpan.FromSeconds(1);
        });
        var metrics = WebhookTestHost.Metrics(app);
        long maxQueued = 0, maxBytes = 0;
        void Sample()
        {
            maxQueued = Math.Max(maxQueued, metrics.QueuedCount);
            maxBytes = Math.Max(maxBytes, metrics.QueuedBytes);
        }
        await JoinLeaveAsync(ConferHost.HttpAddress(app), "warmup", 3, Sample);
        var withDeadReceiver = await JoinLeaveAsync(ConferHost.HttpAddress(app), "busy", 20, Sample); // 20 × 5 events + room start/finish

        output.WriteLine($"join median {Median(baseline):F1} ms without webhooks, {Median(withDeadReceiver):F1} ms with a dead receiver " +
            $"(max {withDeadReceiver.Max():F1} ms); queue peak {maxQueued} events / {maxBytes} bytes; dropped {metrics.DroppedCount}, failed attempts {metrics.FailedCount}");
        Assert.InRange(maxQueued, 1, 10);
        Assert.InRange(maxBytes, 1, 4096);
        Assert.True(metrics.DroppedCount > 50, $"dropped {metrics.DroppedCount}");
        Assert.True(metrics.FailedCount > 0);
        Assert.True(Median(withDeadReceiver) <= 3 * Median(baseline) + 20,
            $"median join {Median(withDeadReceiver):F1} ms with a dead receiver vs {Median(baseline):F1} ms without");
        Assert.True(withDeadReceiver.Max() < 1000, $"slowest join {withDeadReceiver.Max():F0} ms");

        // The receiver comes back: delivery resumes, and the first event it gets says how many it lost.
        Volatile.Write(ref down, false);
        var got = await receiver.WaitAsync(r => r.Any(x => x.Json.TryGetProperty("numDropped", out var n) && n.GetInt32() > 0), timeoutMs: 20000);
        await receiver.WaitAsync(_ => metrics.QueuedCount == 0, timeoutMs: 20000);
        Assert.Equal(metrics.DroppedCount, receiver.Accepted.Sum(r => r.Json.TryGetProperty("numDropped", out var n) ? n.GetInt32() : 0));
    }

    [Fact]
    public async Task Webhooks_SlowReceiver_MeetingNeverWaitsAndEventsStillArriveInOrder()
    {
        await using var receiver = await HookReceiver.StartAsync(async (_, abort) => { await Task.Delay(700, abort); return 200; });
        await using var app = await WebhookTestHost.StartAsync([receiver.Url]);
        var http = ConferHost.HttpAddress(app);

        var watch = Stopwatch.StartNew();
        var joins = await JoinLeaveAsync(http, "slow", 3); // 3 rooms × 5 events = 15 events, ≈ 10 s at the receiver
        watch.Stop();

        output.WriteLine($"meeting took {watch.Elapsed.TotalMilliseconds:F0} ms, slowest join {joins.Max():F1} ms; the receiver had {receiver.Count} of 15 requests by then");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"the meeting took {watch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(joins.Max() < 1000, $"slowest join {joins.Max():F0} ms");
        Assert.True(receiver.Count < 15, "the receiver should still be busy when the meeting is over");
        var got = await receiver.WaitAsync(r => r.Count(x => x.Event == "room_finished") == 3, timeoutMs: 30000);
        string[] each(int i) => [$"participant_joined p{i}", $"track_published p{i}", $"participant_left p{i}"];
        Assert.Equal(["room_started", .. each(0), "room_finished", "room_started", .. each(1), "room_finished", "room_started", .. each(2), "room_finished"],
            WebhookTestHost.Sequence(got, "slow"));
    }
}
