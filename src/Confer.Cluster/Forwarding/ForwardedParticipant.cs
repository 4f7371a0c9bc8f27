using Confer.Cluster.Nodes;
using Confer.Signaling.Protocol;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;

namespace Confer.Cluster.Forwarding;

/// <summary>
/// On the socket's node: a participant served by another node's room. The room's frames arrive through this observer
/// (in order, a batch at a time) and go into the socket's own bounded queue; a frame the queue cannot take closes the
/// socket as a slow consumer, as a local room would.
/// </summary>
internal sealed class ForwardedParticipant(IParticipantSink socket, RoomName room, string roomSilo, INodeGrain node) : IParticipantObserver
{
    public IParticipantSink Socket => socket;

    public RoomName Room => room;

    /// <summary>The room's node (its silo address): when it dies, this socket is told to join again.</summary>
    public string RoomSilo => roomSilo;

    public INodeGrain Node => node;

    /// <summary>The session on the room's node, once the join was answered.</summary>
    public long Session { get; set; }

    /// <summary>This observer as the room's node calls it (deleted when the participant is done).</summary>
    public IParticipantObserver? Reference { get; set; }

    public Task DeliverAsync(RemoteFrame[] frames)
    {
        foreach (var f in frames)
            if (!socket.TrySend(new OutboundFrame(f.Id, f.Body)))
            {
                socket.Close(CloseCodes.SlowConsumer, "slow consumer", null, drain: false);
                break;
            }
        return Task.CompletedTask;
    }

    public Task CloseAsync(int code, string reason, RemoteFrame? finalFrame, bool drain)
    {
        socket.Close(code, reason, finalFrame is { } f ? new OutboundFrame(f.Id, f.Body) : null, drain);
        return Task.CompletedTask;
    }
}
