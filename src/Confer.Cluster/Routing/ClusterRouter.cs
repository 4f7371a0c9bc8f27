using Confer.Cluster.Rooms;
using Confer.Signaling.Protocol;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace Confer.Cluster.Routing;

/// <summary>
/// The <see cref="IRoomRouter"/> of a clustered node. Before a room is made here (a join, a WHIP ingest, an API create),
/// the room's <see cref="IRoomGrain"/> is asked which node hosts it; the first ask places it on the asking node. A room
/// hosted here is served by this node's <see cref="RoomManager"/>, as <see cref="LocalRouter"/> does. A room hosted on
/// another node is refused for now (1013, naming the node): forwarding a participant's frames between nodes is the next
/// step (docs/scale-out.md, "What is left").
/// </summary>
internal sealed partial class ClusterRouter(RoomManager rooms, IGrainFactory grains, ILocalSiloDetails silo, ILogger<ClusterRouter> log) : IRoomRouter
{
    private readonly LocalRouter _local = new(rooms);

    public async ValueTask<JoinReply> JoinAsync(JoinRequest request, IParticipantSink sink, CancellationToken ct = default)
    {
        if (RoomManager.CheckJoinGrant(request.Token) is { } refused) return refused;
        if (await ClaimAsync(request.Room, ct) is { } elsewhere) return JoinReply.Refused(request.Room, CloseCodes.TryAgainLater, elsewhere);
        return await _local.JoinAsync(request, sink, ct);
    }

    public async ValueTask<IngestReply> IngestAsync(IngestRequest request, CancellationToken ct = default)
    {
        if (RoomManager.CheckJoinGrant(request.Token) is { } refused)
            return IngestReply.Refused(IngestOutcome.Forbidden, request.Room, refused.Reason ?? "permission denied");
        if (await ClaimAsync(request.Room, ct) is { } elsewhere) return IngestReply.Refused(IngestOutcome.Unavailable, request.Room, elsewhere);
        return await _local.IngestAsync(request, ct);
    }

    public ValueTask<bool> SignalAsync(SignalRequest request) => _local.SignalAsync(request);

    public void Leave(LeaveRequest request) => _local.Leave(request);

    public async ValueTask<RoomReply> RequestAsync(RoomRequest request, CancellationToken ct = default)
    {
        if (request is CreateRoomRequest create && RoomName.IsValid(create.Room.Value) && await ClaimAsync(create.Room, ct) is { } elsewhere)
            return new RoomReply(ApiOutcome.BadRequest, elsewhere);
        return await _local.RequestAsync(request, ct);
    }

    public void Shutdown() => _local.Shutdown();

    /// <summary>The node that hosts <paramref name="room"/>, asked of its grain (placing it here when it is nowhere yet).</summary>
    public async Task<RoomHost> HostOfAsync(RoomName room, CancellationToken ct = default) =>
        await grains.GetGrain<IRoomGrain>(room.Value).HostAsync().WaitAsync(ct);

    /// <summary>Null when the room is (now) hosted here; else why this node cannot serve it.</summary>
    private async ValueTask<string?> ClaimAsync(RoomName room, CancellationToken ct)
    {
        if (rooms.Holds(room)) return null; // hosted here already: its grain is here too
        RoomHost host;
        try
        {
            host = await HostOfAsync(room, ct);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or OperationCanceledException or SiloUnavailableException)
        {
            LogClaimFailed(log, room.Value, e.Message);
            return "cluster unavailable: the room's node could not be found, try again in a moment";
        }
        if (host.Silo == silo.SiloAddress.ToParsableString()) return null;
        LogElsewhere(log, room.Value, host.Node);
        return $"room hosted by node {host.Node}: this node cannot serve it yet, join through that node";
    }

    [LoggerMessage(EventId = 2100, Level = LogLevel.Warning, Message = "Room {Room}: could not ask the cluster where it lives: {Problem}")]
    private static partial void LogClaimFailed(ILogger log, string room, string problem);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Room {Room} is hosted by node {Node}; refused here")]
    private static partial void LogElsewhere(ILogger log, string room, string node);
}
