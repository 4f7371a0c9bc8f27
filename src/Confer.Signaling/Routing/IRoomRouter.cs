namespace Confer.Signaling.Routing;

/// <summary>
/// How a connection reaches the room it joins: by messages, never by a reference to the room. A
/// connection sends <see cref="JoinRequest"/> (with the <see cref="IParticipantSink"/> the room will
/// deliver to), then <see cref="SignalRequest"/>s, then one <see cref="LeaveRequest"/>; the server API
/// sends <see cref="RoomRequest"/>s. <see cref="LocalRouter"/> (rooms on this node) is the default; a
/// distributed router keeps these members and places rooms on nodes (docs/architecture.md).
/// </summary>
public interface IRoomRouter
{
    /// <summary>Joins (or, with a resume token, resumes) the token's room; the join frame is queued on <paramref name="sink"/>.</summary>
    ValueTask<JoinReply> JoinAsync(JoinRequest request, IParticipantSink sink, CancellationToken ct = default);

    /// <summary>A participant without a socket (WHIP) joins and publishes its offer's sections; <see cref="Leave"/> with its connection ends it.</summary>
    ValueTask<IngestReply> IngestAsync(IngestRequest request, CancellationToken ct = default);

    /// <summary>One client frame to the participant's room; false when it earned an <c>error</c> frame.</summary>
    ValueTask<bool> SignalAsync(SignalRequest request);

    /// <summary>The connection ended; the room removes the participant now or after its resume grace.</summary>
    void Leave(LeaveRequest request);

    /// <summary>A server-API operation on rooms (list, create, delete, participants, mute, data).</summary>
    ValueTask<RoomReply> RequestAsync(RoomRequest request, CancellationToken ct = default);

    /// <summary>This node is stopping: refuse joins from now on (1013), tell its clients to join again (<c>reconnect</c>, 1012), forget its rooms.</summary>
    void Shutdown();
}
