namespace Confer.Signaling;

/// <summary>
/// What the signaling code counts where it happens rather than through room events: frames in (by
/// <c>type</c>) and out at the connection, and events the queue had to drop. The host backs it with
/// Prometheus metrics; every member must be cheap and never block.
/// </summary>
public interface ISignalingCounters
{
    /// <summary>A client frame arrived; <paramref name="type"/> is a known <c>type</c>, "unknown" or "invalid".</summary>
    void MessageIn(string type);

    /// <summary>A frame was written to a client's socket.</summary>
    void MessageOut();

    /// <summary>A frame was written to a client's socket; <paramref name="body"/> is its shared body (<c>{"type":…}</c>), for counting by type.</summary>
    void MessageOut(ReadOnlySpan<byte> body) => MessageOut();

    /// <summary>The room-event queue was full and an event was not delivered.</summary>
    void EventDropped();

    /// <summary>Counts nothing: for hosts without metrics and for tests.</summary>
    public static ISignalingCounters None { get; } = new NoCounters();

    private sealed class NoCounters : ISignalingCounters
    {
        public void MessageIn(string type) { }
        public void MessageOut() { }
        public void EventDropped() { }
    }
}
