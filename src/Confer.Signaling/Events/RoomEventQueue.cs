using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Confer.Signaling.Events;

/// <summary>
/// Carries room events from rooms to the <see cref="IRoomEventObserver"/>s. Rooms call <see cref="Raise"/>
/// under their lock; it only tries to write to a bounded channel, so a room never waits for an observer.
/// One background reader delivers each event to every observer in registration order. When the channel
/// is full the event is dropped, counted (<see cref="Dropped"/>, <see cref="ISignalingCounters.EventDropped"/>)
/// and logged at Warning (at most once per <see cref="WarningInterval"/>). Stopping the host drains what is queued.
/// </summary>
public sealed partial class RoomEventQueue : IHostedService
{
    private readonly Channel<RoomEvent> _channel;
    private readonly IRoomEventObserver[] _observers;
    private readonly ISignalingCounters _counters;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private Task _reader = Task.CompletedTask;
    private long _dropped;
    private long _nextWarning = long.MinValue;
    private volatile bool _stopped;

    public static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    public RoomEventQueue(IEnumerable<IRoomEventObserver> observers, SignalingOptions options, ISignalingCounters? counters = null,
        ILogger<RoomEventQueue>? log = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _observers = [.. observers];
        _counters = counters ?? ISignalingCounters.None;
        _log = log ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        Capacity = options.EventQueue;
        _channel = Channel.CreateBounded<RoomEvent>(new BoundedChannelOptions(options.EventQueue)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full; nothing ever waits
        });
    }

    public int Capacity { get; }

    /// <summary>Events dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues an event; never blocks. Called by rooms under their lock.</summary>
    public void Raise(RoomEvent e)
    {
        if (_observers.Length == 0 || _channel.Writer.TryWrite(e) || _stopped) return;
        var dropped = Interlocked.Increment(ref _dropped);
        _counters.EventDropped();
        var now = _time.GetTimestamp();
        var next = Interlocked.Read(ref _nextWarning);
        if (now >= next && Interlocked.CompareExchange(ref _nextWarning, now + (long)(WarningInterval.TotalSeconds * _time.TimestampFrequency), next) == next)
            LogDropping(_log, Capacity, dropped, e.GetType().Name, e.Room.Value);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_observers.Length > 0) _reader = Task.Run(ReadLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Delivers what is queued (until <paramref name="cancellationToken"/> gives up), then stops.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        _channel.Writer.TryComplete();
        try { await _reader.WaitAsync(cancellationToken).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
    }

    private async Task ReadLoopAsync()
    {
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var e))
            {
                foreach (var observer in _observers)
                {
                    try { observer.OnEvent(e); }
                    catch (Exception ex) { LogObserverFailed(_log, ex, observer.GetType().Name, e.GetType().Name); }
                }
            }
        }
    }

    [LoggerMessage(EventId = 150, Level = LogLevel.Warning,
        Message = "Room events are being dropped: the queue of {Capacity} is full, {Dropped} dropped so far (now {Event} in {Room}); observers are too slow")]
    private static partial void LogDropping(ILogger logger, int capacity, long dropped, string @event, string room);

    [LoggerMessage(EventId = 151, Level = LogLevel.Error, Message = "Room-event observer {Observer} failed on {Event}")]
    private static partial void LogObserverFailed(ILogger logger, Exception exception, string observer, string @event);
}
