using System.Diagnostics;
using Confer.Signaling.Events;
using Confer.Signaling.Rooms;
using Confer.Signaling.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Signaling.Tests.Events;

public sealed class RoomEventQueueTests
{
    private static RoomStarted Event(int i) => new(new RoomName($"r{i}"), new RoomSid($"RM_{i}"), DateTimeOffset.UnixEpoch.AddSeconds(i));

    [Fact]
    public async Task Raise_QueueFull_DropsCountsAndWarnsWithoutBlocking()
    {
        var observer = new RecordingObserver();
        var counters = new CountingCounters();
        var log = new CapturingLogger<RoomEventQueue>();
        var time = new FakeTimeProvider();
        var queue = new RoomEventQueue([observer], new SignalingOptions { EventQueue = 16 }, counters, log, time);
        await queue.StartAsync(CancellationToken.None);
        observer.Hold();
        queue.Raise(Event(0));
        await TestServer.EventuallyAsync(() => observer.Blocked == 1, "the observer to block on the first event");

        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= 26; i++) queue.Raise(Event(i)); // 16 fit, 10 do not
        Assert.True(clock.ElapsedMilliseconds < 1000, $"Raise waited {clock.ElapsedMilliseconds} ms for a blocked observer");
        Assert.Equal(10, queue.Dropped);
        Assert.Equal(10, counters.Dropped);
        Assert.Single(log.Entries, e => e.Level == LogLevel.Warning && e.Id == 150);

        observer.Release();
        await TestServer.EventuallyAsync(() => observer.Events.Length == 17, "the queued events to be delivered");
        Assert.Equal(Enumerable.Range(0, 17).Select(i => $"r{i}"), observer.Events.Select(e => e.Room.Value));

        // Later drops are counted at once and warned of again once the interval has passed.
        time.Advance(RoomEventQueue.WarningInterval);
        observer.Hold();
        queue.Raise(Event(100));
        await TestServer.EventuallyAsync(() => observer.Blocked == 1, "the observer to block again");
        for (var i = 0; i < 17; i++) queue.Raise(Event(101 + i));
        Assert.Equal(11, queue.Dropped);
        Assert.Equal(2, log.Entries.Count(e => e.Id == 150));
        observer.Release();
        await queue.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Observers_AllHearEveryEventInOrder_EvenWhenOneThrows()
    {
        var first = new ThrowingObserver();
        var second = new RecordingObserver();
        var log = new CapturingLogger<RoomEventQueue>();
        var queue = new RoomEventQueue([first, second], new SignalingOptions(), null, log);
        await queue.StartAsync(CancellationToken.None);
        for (var i = 0; i < 100; i++) queue.Raise(Event(i));
        await TestServer.EventuallyAsync(() => second.Events.Length == 100, "every event to reach the second observer");
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"r{i}"), second.Events.Select(e => e.Room.Value));
        Assert.Equal(100, first.Calls);
        Assert.Equal(100, log.Entries.Count(e => e.Level == LogLevel.Error && e.Id == 151));
        await queue.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Stop_DeliversWhatIsQueued_ThenLaterEventsAreIgnored()
    {
        var observer = new RecordingObserver();
        var queue = new RoomEventQueue([observer], new SignalingOptions(), null, null);
        await queue.StartAsync(CancellationToken.None);
        observer.Hold();
        for (var i = 0; i < 50; i++) queue.Raise(Event(i));
        var stopping = queue.StopAsync(CancellationToken.None);
        Assert.False(stopping.IsCompleted);
        observer.Release();
        await stopping.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(50, observer.Events.Length);
        queue.Raise(Event(99));
        Assert.Equal(0, queue.Dropped);
    }

    private sealed class ThrowingObserver : IRoomEventObserver
    {
        public int Calls;
        public void OnEvent(RoomEvent e)
        {
            Calls++;
            throw new InvalidOperationException("observer bug");
        }
    }

    private sealed class CountingCounters : ISignalingCounters
    {
        public int Dropped;
        public void MessageIn(string type) { }
        public void MessageOut() { }
        public void EventDropped() => Interlocked.Increment(ref Dropped);
    }
}

/// <summary>Keeps log entries (level and event id) for assertions.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, int Id, string Message)> _entries = new();
    public IReadOnlyList<(LogLevel Level, int Id, string Message)> Entries => [.. _entries];
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, eventId.Id, formatter(state, exception)));
}
