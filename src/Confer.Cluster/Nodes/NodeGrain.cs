using Confer.Cluster.Forwarding;
using Confer.Signaling.Rooms;
using Orleans;
using Orleans.Concurrency;

namespace Confer.Cluster.Nodes;

/// <summary>
/// This node's front door for the others (<see cref="INodeGrain"/>): joins, frames and leaves of participants whose
/// sockets are elsewhere go to <see cref="RemoteParticipants"/>, server-API requests to this node's
/// <see cref="RoomManager"/>. Nothing here waits, so calls interleave freely.
/// </summary>
[NodePlacement, Reentrant]
internal sealed class NodeGrain(RemoteParticipants remote, RoomManager rooms, NodeLoads loads) : Grain, INodeGrain
{
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
