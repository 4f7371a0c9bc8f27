using Confer.Signaling.Rooms;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.GrainDirectory;
using Confer.Cluster.Nodes;
using Orleans.Placement;
using Orleans.Runtime;

namespace Confer.Cluster.Rooms;

/// <summary>
/// Where a room lives. Placed on the least-loaded live node that does not drain and is under its participant limit
/// (<see cref="LoadPlacement"/>), registered in the Redis grain
/// directory (so a second activation elsewhere is refused), never moved by the rebalancer and never collected while
/// idle: it lets go of its room only when this node no longer holds the room and nobody has claimed it for
/// <see cref="ClusterSettings.RoomReleaseAfter"/> (a join claims, then creates the room on this node well within that
/// time). If its node dies, the next claim places it anew. While its node drains it moves away when asked: the ask gets
/// the answer <see cref="RoomHost.Leaving"/>, the grain migrates to a node chosen by load, and the next ask finds it there.
/// <para>
/// The directory is only as good as Redis: a Redis that restarted without its data has forgotten every room, and the
/// next node to ask would make a second activation and claim a room that is alive on another node. So a new activation
/// whose node does not hold the room first asks every other live node whether it does; if one does, that node stays
/// the room's node and this activation only points at it (checked again at each ask), until the room is gone there.
/// </para>
/// </summary>
[LoadPlacement, Immovable, KeepAlive, GrainDirectory(ClusterHosting.RoomDirectory)]
internal sealed partial class RoomGrain(ILocalSiloDetails silo, RoomManager rooms, NodeLoads loads, ClusterSettings settings, TimeProvider time,
    IClusterMembershipService membership, ILogger<RoomGrain> log) : Grain, IRoomGrain
{
    private DateTimeOffset _lastClaim, _since;
    private bool _refused, _askedOthers;
    private RoomHost? _elsewhere;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _lastClaim = _since = time.GetUtcNow();
        _refused = loads.TakeRefused(this.GetGrainId());
        // A third of the release time, between 100 ms and 10 s: a lapsed claim goes within a third more.
        var every = TimeSpan.FromTicks(Math.Clamp(settings.RoomReleaseAfter.Ticks / 3, TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerSecond * 10));
        this.RegisterGrainTimer(CheckAsync, new GrainTimerCreationOptions(every, every) { Interleave = false, KeepAlive = false });
        return Task.CompletedTask;
    }

    public async Task<RoomHost> HostAsync()
    {
        _lastClaim = time.GetUtcNow();
        if (_refused)
        {
            this.DeactivateOnIdle(); // no node could take the room: the next ask places it afresh
            return new RoomHost(silo.Name, silo.SiloAddress.ToParsableString(), _since, Refused: true);
        }
        if (rooms.Draining)
        {
            // Moved, not just let go: a node that cached this address would make the grain here again. The move places it
            // by load, which skips this draining node, and sends the next ask to it.
            LogMoving(log, this.GetPrimaryKeyString());
            this.MigrateOnIdle();
            return new RoomHost(silo.Name, silo.SiloAddress.ToParsableString(), _since, Leaving: true);
        }
        var room = this.GetPrimaryKeyString();
        if (rooms.Holds(new RoomName(room))) _elsewhere = null;
        else if (!_askedOthers)
        {
            _askedOthers = true;
            _elsewhere = await HolderElsewhereAsync(room);
            if (_elsewhere is { } found) LogFoundElsewhere(log, room, found.Node);
        }
        else if (_elsewhere is { } pointed && !await HoldsAsync(pointed.Silo, room)) _elsewhere = null;
        return _elsewhere ?? new RoomHost(silo.Name, silo.SiloAddress.ToParsableString(), _since);
    }

    public Task PointAtAsync(RoomHost holder)
    {
        _askedOthers = true;
        if (holder.Silo != silo.SiloAddress.ToParsableString() && !rooms.Holds(new RoomName(this.GetPrimaryKeyString()))) _elsewhere = holder;
        return Task.CompletedTask;
    }

    /// <summary>The other live node that holds <paramref name="room"/> now, asked of all of them at once; null when none does.</summary>
    private async Task<RoomHost?> HolderElsewhereAsync(string room)
    {
        var self = silo.SiloAddress;
        var asks = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(self))
            .Select(m => (Member: m, Holds: HoldsAsync(m.SiloAddress.ToParsableString(), room)))
            .ToList();
        foreach (var (member, holds) in asks)
            if (await holds) return new RoomHost(member.Name, member.SiloAddress.ToParsableString(), time.GetUtcNow());
        return null;
    }

    /// <summary>Whether node <paramref name="siloAddress"/> holds the room; false when it does not answer within the call timeout.</summary>
    private async Task<bool> HoldsAsync(string siloAddress, string room)
    {
        try
        {
            return await GrainFactory.GetGrain<Nodes.INodeGrain>(siloAddress).HoldsAsync(room).WaitAsync(settings.CallTimeout);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException)
        {
            return false;
        }
    }

    private Task CheckAsync(CancellationToken ct)
    {
        var room = this.GetPrimaryKeyString();
        if (rooms.Draining || (!rooms.Holds(new RoomName(room)) && time.GetUtcNow() - _lastClaim >= settings.RoomReleaseAfter)) Release();
        return Task.CompletedTask;
    }

    private void Release()
    {
        LogReleased(log, this.GetPrimaryKeyString(), rooms.Draining ? "this node drains" : "no longer on this node");
        this.DeactivateOnIdle();
    }

    [LoggerMessage(EventId = 2111, Level = LogLevel.Debug, Message = "Room {Room}: this node drains, its claim moves to another node")]
    private static partial void LogMoving(ILogger log, string room);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Warning, Message = "Room {Room}: its directory entry was gone (did Redis lose its data?), but node {Node} holds it: it stays there")]
    private static partial void LogFoundElsewhere(ILogger log, string room, string node);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Debug, Message = "Room {Room}: {Why}, its claim released")]
    private static partial void LogReleased(ILogger log, string room, string why);
}
