using Confer.Signaling.Rooms;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.GrainDirectory;
using Orleans.Placement;
using Orleans.Runtime;

namespace Confer.Cluster.Rooms;

/// <summary>
/// Where a room lives. Placed on the node that first asks (prefer-local placement), registered in the Redis grain
/// directory (so a second activation elsewhere is refused), never moved by the rebalancer and never collected while
/// idle: it lets go of its room only when this node no longer holds the room and nobody has claimed it for
/// <see cref="ClusterSettings.RoomReleaseAfter"/> (a join claims, then creates the room on this node well within that
/// time). If its node dies, the next claim places it on the claimer's node.
/// </summary>
[PreferLocalPlacement, Immovable, KeepAlive, GrainDirectory(ClusterHosting.RoomDirectory)]
internal sealed partial class RoomGrain(ILocalSiloDetails silo, RoomManager rooms, ClusterSettings settings, TimeProvider time, ILogger<RoomGrain> log) : Grain, IRoomGrain
{
    private DateTimeOffset _lastClaim, _since;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _lastClaim = _since = time.GetUtcNow();
        // A third of the release time, between 100 ms and 10 s: a lapsed claim goes within a third more.
        var every = TimeSpan.FromTicks(Math.Clamp(settings.RoomReleaseAfter.Ticks / 3, TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerSecond * 10));
        this.RegisterGrainTimer(CheckAsync, new GrainTimerCreationOptions(every, every) { Interleave = false, KeepAlive = false });
        return Task.CompletedTask;
    }

    public Task<RoomHost> HostAsync()
    {
        _lastClaim = time.GetUtcNow();
        return Task.FromResult(new RoomHost(silo.Name, silo.SiloAddress.ToParsableString(), _since));
    }

    private Task CheckAsync(CancellationToken ct)
    {
        var room = this.GetPrimaryKeyString();
        if (!rooms.Holds(new RoomName(room)) && time.GetUtcNow() - _lastClaim >= settings.RoomReleaseAfter)
        {
            LogReleased(log, room);
            this.DeactivateOnIdle();
        }
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 2110, Level = LogLevel.Debug, Message = "Room {Room}: no longer on this node, its claim released")]
    private static partial void LogReleased(ILogger log, string room);
}
