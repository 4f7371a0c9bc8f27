using Confer.Signaling.Rooms;

namespace Confer.Signaling.Routing;

/// <summary>
/// The default <see cref="IRoomRouter"/>: every room lives on this node, in <see cref="RoomManager"/>,
/// so each message is a method call that completes synchronously (no allocation for the
/// <see cref="ValueTask"/>s). A distributed router keeps the same messages and sends them to the node
/// that hosts the room.
/// </summary>
public sealed class LocalRouter(RoomManager rooms) : IRoomRouter
{
    public ValueTask<JoinReply> JoinAsync(JoinRequest request, IParticipantSink sink, CancellationToken ct = default) =>
        ValueTask.FromResult(rooms.Join(request, sink));

    public ValueTask<IngestReply> IngestAsync(IngestRequest request, CancellationToken ct = default) =>
        ValueTask.FromResult(rooms.Ingest(request));

    public ValueTask<bool> SignalAsync(SignalRequest request) => ValueTask.FromResult(rooms.Signal(request));

    public void Leave(LeaveRequest request) => rooms.Leave(request);

    public ValueTask<RoomReply> RequestAsync(RoomRequest request, CancellationToken ct = default) =>
        ValueTask.FromResult(rooms.Request(request));

    public void Shutdown() => rooms.Shutdown();
}
