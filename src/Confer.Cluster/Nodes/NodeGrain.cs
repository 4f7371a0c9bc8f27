using Confer.Cluster.Forwarding;
using Confer.Signaling.Rooms;
using Orleans;
using Orleans.Concurrency;
using Confer.Cluster.Rooms;
using Microsoft.Extensions.Logging;

namespace Confer.Cluster.Nodes;

/// <summary>
/// This node's front door for the others (<see cref="INodeGrain"/>): joins, frames and leaves of participants whose
/// sockets are elsewhere go to <see cref="RemoteParticipants"/>, server-API requests to this node's
/// <see cref="RoomManager"/>. Nothing here waits, so calls interleave freely.
/// </summary>
[NodePlacement, Reentrant]
internal sealed partial class NodeGrain(RemoteParticipants remote, RoomManager rooms, NodeLoads loads, ClusterSettings settings, ILogger<NodeGrain> log)
    : Grain, INodeGrain
{
    public Task<string[]> RoomsAsync() => Task.FromResult(rooms.RoomNames.ToArray());

    public async Task<bool> GiveUpAsync(string room, RoomHost holder)
    {
        if (!RoomName.IsValid(room) || !rooms.Move(new RoomName(room))) return false;
        LogGaveUp(log, room, holder.Node);
        // The room's grain (this node's activation, registered while the two sets were apart) now points at the holder.
        await GrainFactory.GetGrain<IRoomGrain>(room).PointAtAsync(holder).WaitAsync(settings.CallTimeout);
        return true;
    }

    [LoggerMessage(EventId = 2155, Level = LogLevel.Warning,
        Message = "Room {Room} was also on node {Holder}, which keeps it (this node started while Redis had lost the cluster's table): its participants here are told to join again")]
    private static partial void LogGaveUp(ILogger log, string room, string holder);

    public Task<NodeLoad> LoadAsync() => Task.FromResult(loads.Local);

    public Task<RemoteJoinReply> JoinAsync(byte[] join, IParticipantObserver observer, string forwarder) =>
        Task.FromResult(remote.Join(join, observer, forwarder));

    public Task<SignalOutcome> SignalAsync(long session, byte[] message) => Task.FromResult(remote.Signal(session, message));

    public Task LeaveAsync(long session, string? reason)
    {
        remote.Leave(session, reason);
        return Task.CompletedTask;
    }

    // A draining node is giving its rooms away: it does not count as their holder.
    public Task<bool> HoldsAsync(string room) => Task.FromResult(!rooms.Draining && RoomName.IsValid(room) && rooms.Holds(new RoomName(room)));

    public Task<byte[]> RequestAsync(string type, byte[] request)
    {
        var reply = Wire.Request(type, request) is { } r ? rooms.Request(r)
            : new Signaling.Routing.RoomReply(Signaling.Routing.ApiOutcome.BadRequest, $"node does not know the request {type}");
        return Task.FromResult(Wire.Answer(reply));
    }

    public Task<Routing.WhipAnswer> WhipPostAsync(byte[] token, string offer) =>
        Whip is { } whip ? whip.PostAsync(Wire.Token(token), offer, CancellationToken.None) : Task.FromResult(NoWhip);

    public Task<Routing.WhipAnswer> WhipDeleteAsync(string room, string session) =>
        Task.FromResult(Whip is { } whip ? whip.Delete(new RoomName(room), session) : NoWhip);

    /// <summary>This node's own WHIP path (the server registers it; a host without one answers 503).</summary>
    private Routing.IWhipHost? Whip => ServiceProvider.GetService(typeof(Routing.IWhipHost)) as Routing.IWhipHost;

    private static readonly Routing.WhipAnswer NoWhip = Routing.WhipAnswer.Refused(503, "the room's node serves no WHIP ingest");
}
