using System.Collections.Concurrent;
using Confer.Cluster.Forwarding;
using Confer.Cluster.Nodes;
using Confer.Cluster.Rooms;
using Confer.Signaling.Protocol;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace Confer.Cluster.Routing;

/// <summary>
/// The <see cref="IRoomRouter"/> of a clustered node. Before a room is used here (a join, a WHIP ingest, an API request),
/// the room's <see cref="IRoomGrain"/> is asked which node hosts it; the first ask places it on the least-loaded node. A room
/// hosted here is served by this node's <see cref="RoomManager"/>, as <see cref="LocalRouter"/> does. A participant whose
/// room is on another node is served through that node (docs/scale-out.md, "Serving a room through any node"): its join,
/// frames and leave go to the room's <see cref="INodeGrain"/>, and the room's frames come back through a
/// <see cref="ForwardedParticipant"/> observer into the socket's queue. Server-API requests go to the room's node, and
/// listing rooms asks every live node.
/// </summary>
internal sealed partial class ClusterRouter(RoomManager rooms, IGrainFactory grains, ILocalSiloDetails silo, IClusterMembershipService membership,
    ClusterSettings settings, ILogger<ClusterRouter> log) : IRoomRouter
{
    private readonly LocalRouter _local = new(rooms);
    private readonly ConcurrentDictionary<ConnectionId, ForwardedParticipant> _forwarded = new();
    private string? _self;

    /// <summary>A socket told to join again waits up to this long first (as a restarting node's clients do), so they do not all knock at once.</summary>
    private const int ReconnectSpreadMs = 2000;

    /// <summary>The spread of a resume after the room's node died: short, as the room is being made again from these resumes.</summary>
    private const int ResumeSpreadMs = 250;

    /// <summary>Sockets on this node whose rooms are on other nodes.</summary>
    public int ForwardedCount => _forwarded.Count;

    /// <summary>Those of them in <paramref name="room"/>.</summary>
    public int ForwardedIn(RoomName room) => _forwarded.Values.Count(f => f.Room == room);

    private string Self => _self ??= silo.SiloAddress.ToParsableString();

    public async ValueTask<JoinReply> JoinAsync(JoinRequest request, IParticipantSink sink, CancellationToken ct = default)
    {
        if (RoomManager.CheckJoinGrant(request.Token) is { } refused) return refused;
        var (host, problem) = await WhereAsync(request.Room, ct);
        if (problem is not null) return JoinReply.Refused(request.Room, CloseCodes.TryAgainLater, problem);
        if (host is null) return await _local.JoinAsync(request, sink, ct);
        return await ForwardJoinAsync(request, sink, host);
    }

    public async ValueTask<IngestReply> IngestAsync(IngestRequest request, CancellationToken ct = default)
    {
        if (RoomManager.CheckJoinGrant(request.Token) is { } refused)
            return IngestReply.Refused(IngestOutcome.Forbidden, request.Room, refused.Reason ?? "permission denied");
        var (host, problem) = await WhereAsync(request.Room, ct);
        if (problem is not null) return IngestReply.Refused(IngestOutcome.Unavailable, request.Room, problem);
        // The WHIP endpoint sent an offer for a room elsewhere to its node already (ClusterRouter.Whip.cs): the room moved since.
        if (host is not null)
            return IngestReply.Refused(IngestOutcome.Unavailable, request.Room, $"room moved to node {host.Node} meanwhile: POST the offer again");
        return await _local.IngestAsync(request, ct);
    }

    public ValueTask<bool> SignalAsync(SignalRequest request) =>
        _forwarded.TryGetValue(request.Connection, out var f) ? ForwardSignalAsync(request, f) : _local.SignalAsync(request);

    public void Leave(LeaveRequest request)
    {
        if (_forwarded.TryRemove(request.Connection, out var f)) _ = ForwardLeaveAsync(f, request.Reason);
        else _local.Leave(request);
    }

    public async ValueTask<RoomReply> RequestAsync(RoomRequest request, CancellationToken ct = default)
    {
        if (request is ListRoomsRequest) return await ListEverywhereAsync(ct);
        if (Wire.RoomOf(request) is not { } room || !RoomName.IsValid(room.Value) || rooms.Holds(room)) return await _local.RequestAsync(request, ct);
        var (host, problem) = await WhereAsync(room, ct);
        if (problem is not null) return new RoomReply(ApiOutcome.BadRequest, problem);
        if (host is null) return await _local.RequestAsync(request, ct);
        try
        {
            var answer = await grains.GetGrain<INodeGrain>(host.Silo).RequestAsync(request.GetType().Name, Wire.Request(request))
                .WaitAsync(settings.CallTimeout, ct);
            return Wire.Answer(answer);
        }
        catch (Exception e) when (IsClusterFailure(e))
        {
            LogCallFailed(log, room.Value, host.Node, e.Message);
            return new RoomReply(ApiOutcome.BadRequest, $"cluster unavailable: the room's node {host.Node} did not answer, try again in a moment");
        }
    }

    /// <summary>This node stops: its own rooms tell their clients to join again, and so do the sockets it forwards.</summary>
    public void Shutdown()
    {
        _local.Shutdown();
        foreach (var connection in _forwarded.Keys) Lose(connection, "this node is stopping");
    }

    /// <summary>
    /// A node was declared dead: every socket here whose room was there is told to resume (its sealed resume token makes the
    /// session and the room again on a live node, docs/scale-out.md "Failover").
    /// </summary>
    public void NodeDied(string roomSilo)
    {
        foreach (var (connection, f) in _forwarded)
            if (f.RoomSilo == roomSilo) Lose(connection, "the room's node is gone", tellRoomsNode: false, resume: true);
    }

    /// <summary>The node that hosts <paramref name="room"/>, asked of its grain (placing it here when it is nowhere yet).</summary>
    public async Task<RoomHost> HostOfAsync(RoomName room, CancellationToken ct = default) =>
        await grains.GetGrain<IRoomGrain>(room.Value).HostAsync().WaitAsync(settings.CallTimeout, ct);

    /// <summary>How often a room whose node drains is asked for again before the join is refused (the ask after the first places it elsewhere).</summary>
    private const int LeavingRetries = 5;

    /// <summary>Where a room lives: (null, null) here (now placed here, if it was nowhere); the host when elsewhere; or why nobody can tell.</summary>
    private async ValueTask<(RoomHost? Elsewhere, string? Problem)> WhereAsync(RoomName room, CancellationToken ct)
    {
        if (rooms.Holds(room)) return (null, null); // hosted here already: its grain is here too
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var host = await HostOfAsync(room, ct);
                if (host.Refused)
                {
                    LogAllFull(log, room.Value);
                    return (null, "no node takes a new room now: every node is at its participant limit, at its CPU limit or draining, try again later");
                }
                if (!host.Leaving) return host.Silo == Self ? (null, null) : (host, null);
                // Its node drains and let go of the claim: the next ask places the room on another node.
                if (attempt == LeavingRetries) return (null, $"cluster unavailable: the room's node {host.Node} is draining, try again in a moment");
                await Task.Delay(20 * (attempt + 1), ct);
            }
        }
        catch (Exception e) when (IsClusterFailure(e))
        {
            LogClaimFailed(log, room.Value, e.Message);
            return (null, "cluster unavailable: the room's node could not be found, try again in a moment");
        }
    }

    private async ValueTask<JoinReply> ForwardJoinAsync(JoinRequest request, IParticipantSink sink, RoomHost host)
    {
        var node = grains.GetGrain<INodeGrain>(host.Silo);
        var f = new ForwardedParticipant(sink, request.Room, host.Silo, node);
        f.Reference = grains.CreateObjectReference<IParticipantObserver>(f); // Orleans holds it weakly: _forwarded keeps it alive
        _forwarded[request.Connection] = f;
        try
        {
            var answer = await node.JoinAsync(Wire.Join(request), f.Reference, Self).WaitAsync(settings.CallTimeout);
            f.Session = answer.Session;
            var reply = Wire.Reply(answer.Reply);
            if (reply.Participant is null) Forget(request.Connection);
            else LogForwarded(log, request.Room.Value, reply.Participant.Value.Value, host.Node);
            return reply;
        }
        catch (Exception e) when (IsClusterFailure(e))
        {
            Forget(request.Connection);
            LogCallFailed(log, request.Room.Value, host.Node, e.Message);
            return JoinReply.Refused(request.Room, CloseCodes.TryAgainLater, $"cluster unavailable: the room's node {host.Node} did not answer, try again in a moment");
        }
    }

    private async ValueTask<bool> ForwardSignalAsync(SignalRequest request, ForwardedParticipant f)
    {
        SignalOutcome outcome;
        try
        {
            outcome = await f.Node.SignalAsync(f.Session, Wire.Message(request.Message)).WaitAsync(settings.CallTimeout);
        }
        catch (Exception e) when (IsClusterFailure(e))
        {
            LogCallFailed(log, f.Room.Value, f.RoomSilo, e.Message);
            Lose(request.Connection, "the room's node did not answer", resume: true);
            return true;
        }
        if (outcome == SignalOutcome.Gone) Lose(request.Connection, "the room's node no longer serves this participant");
        return outcome != SignalOutcome.Error;
    }

    private async Task ForwardLeaveAsync(ForwardedParticipant f, string? reason)
    {
        try
        {
            await f.Node.LeaveAsync(f.Session, reason).WaitAsync(settings.CallTimeout);
        }
        catch (Exception e) when (IsClusterFailure(e))
        {
            LogCallFailed(log, f.Room.Value, f.RoomSilo, e.Message); // the room's node keeps the participant until it resumes or its grace ends
        }
        finally
        {
            if (f.Reference is { } reference) grains.DeleteObjectReference<IParticipantObserver>(reference);
        }
    }

    /// <summary>
    /// The room's node is gone or lost this participant: the socket is told to join again (or, with <paramref name="resume"/>, to
    /// resume, which a live node serves by making the session again when the room's node died), and the room's node (if it
    /// hears) keeps its grace.
    /// </summary>
    private void Lose(ConnectionId connection, string why, bool tellRoomsNode = true, bool resume = false)
    {
        if (!_forwarded.TryRemove(connection, out var f)) return;
        LogLost(log, f.Room.Value, why);
        var text = resume ? $"{why}: resume" : $"{why}: join again";
        f.Socket.Close(CloseCodes.ServiceRestart, text,
            Frame.Local(new ReconnectMessage(ReconnectReasons.ServerRestart, text, Random.Shared.Next(resume ? ResumeSpreadMs : ReconnectSpreadMs))
                { Resume = resume ? true : null }), drain: false);
        if (tellRoomsNode) _ = ForwardLeaveAsync(f, null);
        else if (f.Reference is { } reference) grains.DeleteObjectReference<IParticipantObserver>(reference);
    }

    private void Forget(ConnectionId connection)
    {
        if (_forwarded.TryRemove(connection, out var f) && f.Reference is { } reference) grains.DeleteObjectReference<IParticipantObserver>(reference);
    }

    /// <summary>Every live node's rooms: this node's, and each other node's asked of it (a node that does not answer in time is left out).</summary>
    private async ValueTask<RoomReply> ListEverywhereAsync(CancellationToken ct)
    {
        var list = new List<RoomInfo>((await _local.RequestAsync(new ListRoomsRequest(), ct)).Rooms ?? []);
        var others = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && m.SiloAddress.ToParsableString() != Self)
            .Select(m => (m.Name, Task: grains.GetGrain<INodeGrain>(m.SiloAddress.ToParsableString())
                .RequestAsync(nameof(ListRoomsRequest), Wire.Request(new ListRoomsRequest())).WaitAsync(settings.CallTimeout, ct)))
            .ToList();
        foreach (var (name, task) in others)
        {
            try
            {
                list.AddRange(Wire.Answer(await task).Rooms ?? []);
            }
            catch (Exception e) when (IsClusterFailure(e))
            {
                LogCallFailed(log, "*", name ?? "?", e.Message);
            }
        }
        return new RoomReply(ApiOutcome.Done) { Rooms = list };
    }

    private static bool IsClusterFailure(Exception e) =>
        e is TimeoutException or OrleansException or OperationCanceledException or SiloUnavailableException or InvalidDataException;

    [LoggerMessage(EventId = 2100, Level = LogLevel.Warning, Message = "Room {Room}: could not ask the cluster where it lives: {Problem}")]
    private static partial void LogClaimFailed(ILogger log, string room, string problem);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "Room {Room}: refused, every node is at its participant or CPU limit or draining")]
    private static partial void LogAllFull(ILogger log, string room);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Room {Room}: {Participant} joined through this node; the room is on node {Node}")]
    private static partial void LogForwarded(ILogger log, string room, string participant, string node);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Room {Room}: a call to node {Node} failed: {Problem}")]
    private static partial void LogCallFailed(ILogger log, string room, string node, string problem);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Room {Room}: a forwarded socket is told to reconnect: {Why}")]
    private static partial void LogLost(ILogger log, string room, string why);
}
