namespace Confer.Signaling.Events;

/// <summary>
/// Hears every <see cref="RoomEvent"/> of this node, in order, on the one thread of
/// <see cref="RoomEventQueue"/> and never under a room's lock. Register implementations in DI
/// (<c>services.AddSingleton&lt;IRoomEventObserver, X&gt;()</c>): metrics now, webhooks and the SFU next.
/// An observer must return quickly — one with slow work (an HTTP call) queues it and returns; an
/// exception is logged and the next observer still runs.
/// </summary>
public interface IRoomEventObserver
{
    void OnEvent(RoomEvent e);
}
