using Confer.Signaling.Rooms;
using Orleans;
using Orleans.GrainDirectory;
using Orleans.Placement;
using Orleans.Runtime;

namespace Confer.Cluster.Rooms;

/// <summary>
/// Where a room lives. Placed on the node that first asks (prefer-local placement), registered in the Redis grain
/// directory (so a second activation elsewhere is refused), never moved by the rebalancer and never collected while
/// idle: it lets go of its room only when this node no longer holds the room and nobody has claimed it for
/// <see cref="ReleaseAfter"/> (a join claims, then creates the room on this node well within that time). If its node
/// dies, the next claim places it on the claimer's node.
/// </summary>
[PreferLocalPlacement, Immovable, KeepAlive, GrainDirectory(ClusterHosting.RoomDirectory)]
internal sealed class RoomGrain(ILocalSiloDetails silo, RoomManager rooms, TimeProvider time) : Grain, IRoomGrain
{
    /// <summary>How long a claim keeps the grain here without a room on this node.</summary>
    public static readonly TimeSpan ReleaseAfter = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(10);

    private DateTimeOffset _lastClaim;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _lastClaim = time.GetUtcNow();
        this.RegisterGrainTimer(CheckAsync, new GrainTimerCreationOptions(CheckEvery, CheckEvery) { Interleave = false, KeepAlive = false });
        return Task.CompletedTask;
    }

    public Task<RoomHost> HostAsync()
    {
        _lastClaim = time.GetUtcNow();
        return Task.FromResult(new RoomHost(silo.Name, silo.SiloAddress.ToParsableString()));
    }

    private Task CheckAsync(CancellationToken ct)
    {
        if (!rooms.Holds(new RoomName(this.GetPrimaryKeyString())) && time.GetUtcNow() - _lastClaim >= ReleaseAfter)
            this.DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
