namespace Confer.Signaling.Routing;

/// <summary>
/// The connection side of the router: where a room delivers a participant's frames (already serialized,
/// so they could as well cross a process boundary). Locally it is the participant's WebSocket
/// (<see cref="Connections.WebSocketConnection"/>); a distributed router would hand the room a proxy that
/// forwards to the node holding the socket. Both members are called under the room's lock, so they must
/// not block.
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
