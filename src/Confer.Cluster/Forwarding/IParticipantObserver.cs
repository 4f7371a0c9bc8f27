using Orleans;

namespace Confer.Cluster.Forwarding;

/// <summary>
/// A participant's socket on another node, as the room's node sees it: frames are delivered in order (the room's node
/// sends one batch at a time and waits for it), and the close goes after them. Implemented by
/// <see cref="ForwardedParticipant"/> on the node that holds the socket.
/// </summary>
[Alias("confer.participant-observer")]
public interface IParticipantObserver : IGrainObserver
{
    [Alias("deliver")]
    Task DeliverAsync(RemoteFrame[] frames);

    [Alias("close")]
    Task CloseAsync(int code, string reason, RemoteFrame? finalFrame, bool drain);
}

/// <summary>An <c>OutboundFrame</c> on its way between nodes: the recipient's sequence number and the shared message body.</summary>
[GenerateSerializer, Immutable, Alias("confer.remote-frame")]
public readonly record struct RemoteFrame([property: Id(0)] long Id, [property: Id(1)] byte[] Body);
