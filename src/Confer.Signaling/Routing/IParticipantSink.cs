namespace Confer.Signaling.Routing;

/// <summary>
/// Where a participant's frames go: the seam between rooms and transport. The local implementation is a
/// WebSocket on this node (<see cref="WebSocketConnection"/>); a Redis router would forward to the node
/// that holds the socket. Both members are called under the room's lock, so they must not block.
/// </summary>
public interface IParticipantSink
{
    /// <summary>Queues a frame; false when the sink is closed or its queue is full.</summary>
    bool TrySend(byte[] frame);

    /// <summary>
    /// Ends the connection with a close code and reason. With <paramref name="drain"/> the queued frames
    /// go out first; <paramref name="finalFrame"/> is sent just before the close frame. Idempotent.
    /// </summary>
    void Close(int code, string reason, byte[]? finalFrame, bool drain);
}
