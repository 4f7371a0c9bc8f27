using System.Collections.Concurrent;
using Confer.Signaling.Events;

namespace Confer.Signaling.Tests.Support;

/// <summary>An observer that keeps every event ; it can be made to block.</summary>
internal sealed class RecordingObserver : IRoomEventObserver
{
    private readonly ConcurrentQueue<RoomEvent> _events = new();
    private readonly ManualResetEventSlim _open = new(initialState: true);

    public RoomEvent[] Events => [.. _events];
    public int Blocked;

    /// <summary>From now on <see cref="OnEvent"/> waits (at most 10 s) until <see cref="Release"/>.</summary>
    public void Hold() => _open.Reset();
    public void Release() => _open.Set();

    public void OnEvent(RoomEvent e)
    {
        _events.Enqueue(e);
        if (_open.IsSet) return;
        Interlocked.Increment(ref Blocked);
        _open.Wait(TimeSpan.FromSeconds(10));
        Interlocked.Decrement(ref Blocked);
    }

    public T[] Of<T>() where T : RoomEvent => [.. _events.OfType<T>()];

    /// <summary>Waits until an event of this type matching <paramref name="match"/> has been delivered.</summary>
    public async Task<T> WaitAsync<T>(Func<T, bool>? match = null, int timeoutMs = 5000) where T : RoomEvent
    {
        T? found = null;
        await TestServer.EventuallyAsync(() => (found = _events.OfType<T>().FirstOrDefault(e => match?.Invoke(e) ?? true)) is not null,
            $"a {typeof(T).Name} event (have: {string.Join(", ", _events.Select(e => e.GetType().Name))})", timeoutMs);
        return found!;
    }
}
