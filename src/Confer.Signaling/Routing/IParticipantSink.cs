using Confer.Signaling.Protocol;

namespace Confer.Signaling.Routing;

/// <summary>
/// The connection side of the router: where a room delivers a participant's frames (already serialized,
/// so they could as well cross a process boundary). Locally it is the participant's WebSocket
/// (<see cref="Connections.WebSocketConnection"/>); a distributed router would hand the room a proxy that
/// forwards to the node holding the socket. Every member is called under the room's lock, so none may block.
/// </summary>
public interface IParticipantSink
{
    /// <summary>
    /// Queues a frame. Its body is shared with the frame's other recipients and must not be changed.
    /// False when the sink is closed or its queue is full.
    /// </summary>
    bool TrySend(OutboundFrame frame);

    /// <summary>Bytes queued and not yet written (<see cref="OutboundFrame.Length"/> each); 0 when the sink cannot tell.</summary>
    long QueuedBytes { get; }

    /// <summary>
    /// Ends the connection with a close code and reason. With <paramref name="drain"/> the queued frames
    /// go out first; <paramref name="finalFrame"/> is sent just before the close frame. Idempotent.
    /// </summary>
    void Close(int code, string reason, OutboundFrame? finalFrame, bool drain);
}
