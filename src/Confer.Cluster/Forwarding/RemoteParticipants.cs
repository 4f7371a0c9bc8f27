using System.Collections.Concurrent;
using Confer.Cluster.Nodes;
using Confer.Signaling;
using Confer.Signaling.Protocol;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;
using Microsoft.Extensions.Logging;

namespace Confer.Cluster.Forwarding;

/// <summary>
/// On the room's node: the participants whose sockets are on other nodes. Each is a session with a connection id of
/// this node and an <see cref="ObserverSink"/>; the room sees it as any other connection. A session ends when its socket's
/// node says so (a leave), when a delivery to that node fails, or when that node is declared dead: the last two are a
/// dropped socket, so the participant keeps its resume grace and may come back through any node.
/// </summary>
internal sealed partial class RemoteParticipants(RoomManager rooms, SignalingOptions options, ClusterSettings settings, ILogger<RemoteParticipants> log)
{
    private readonly ConcurrentDictionary<long, Session> _sessions = new();

    private sealed record Session(ConnectionId Connection, RoomName Room, string Forwarder, ObserverSink Sink)
    {
        public ParticipantSid? Participant { get; set; }
    }

    /// <summary>Participants served here for sockets on other nodes.</summary>
    public int Count => _sessions.Count;

    /// <summary>Those of them in <paramref name="room"/>.</summary>
    public int CountIn(RoomName room) => _sessions.Values.Count(s => s.Room == room);

    public RemoteJoinReply Join(byte[] json, IParticipantObserver observer, string forwarder)
    {
        var connection = ConnectionId.Next();
        var request = Wire.Join(json, connection);
        var sink = new ObserverSink(observer, options, settings.CallTimeout, e => Drop(connection.Value, e.Message));
        var session = new Session(connection, request.Room, forwarder, sink);
        _sessions[connection.Value] = session;
        var reply = rooms.Join(request, sink);
        if (reply.Participant is { } participant)
        {
            session.Participant = participant;
            LogJoined(log, request.Room.Value, participant.Value, forwarder);
        }
        else
        {
            _sessions.TryRemove(connection.Value, out _);
            sink.Stop();
        }
        return new RemoteJoinReply(Wire.Reply(reply), connection.Value);
    }

    public SignalOutcome Signal(long id, byte[] json)
    {
        if (!_sessions.TryGetValue(id, out var s) || s.Participant is not { } participant) return SignalOutcome.Gone;
        return rooms.Signal(new SignalRequest(s.Room, participant, s.Connection, Wire.Message(json))) ? SignalOutcome.Ok : SignalOutcome.Error;
    }

    public void Leave(long id, string? reason)
    {
        if (!_sessions.TryRemove(id, out var s)) return;
        s.Sink.Stop();
        if (s.Participant is { } participant) rooms.Leave(new LeaveRequest(s.Room, participant, s.Connection, reason));
    }

    /// <summary>A node was declared dead: its sockets are gone; their participants may resume through another node.</summary>
    public void NodeDied(string silo)
    {
        foreach (var (id, s) in _sessions)
            if (s.Forwarder == silo) Drop(id, "its node was declared dead");
    }

    private void Drop(long id, string why)
    {
        if (!_sessions.TryGetValue(id, out var s)) return;
        LogLost(log, s.Room.Value, s.Participant?.Value ?? "", s.Forwarder, why);
        Leave(id, null);
    }

    [LoggerMessage(EventId = 2120, Level = LogLevel.Debug, Message = "Room {Room}: {Participant} joined through node {Forwarder}")]
    private static partial void LogJoined(ILogger log, string room, string participant, string forwarder);

    [LoggerMessage(EventId = 2121, Level = LogLevel.Information, Message = "Room {Room}: lost the socket of {Participant} on node {Forwarder} ({Why}); it may resume")]
    private static partial void LogLost(ILogger log, string room, string participant, string forwarder, string why);
}
