using System.Collections.Concurrent;
using Confer.Signaling.Rooms;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace Confer.Cluster.Nodes;

/// <summary>
/// What this node knows of every live node's load, for placing new rooms (<see cref="LoadPlacementDirector"/>). Its own
/// load is read live from its <see cref="RoomManager"/>; every <see cref="ClusterSettings.LoadRefresh"/> it asks each
/// other active node's <see cref="INodeGrain.LoadAsync"/> (a node that does not answer within the call timeout keeps
/// its last answer, and a node never heard from counts as empty). Rooms placed between two refreshes are counted at
/// once (one room and one participant each), so a burst of new rooms spreads instead of landing on one node. Its own
/// CPU (<see cref="ICpuGauge"/>) is read once per refresh and told with its load.
/// </summary>
internal sealed partial class NodeLoads(RoomManager rooms, IGrainFactory grains, ILocalSiloDetails silo, IClusterMembershipService membership,
    ClusterSettings settings, ICpuGauge cpu, TimeProvider time, ILogger<NodeLoads> log) : BackgroundService
{
    private readonly ConcurrentDictionary<SiloAddress, NodeLoad> _known = new();
    private readonly ConcurrentDictionary<SiloAddress, int> _placed = new();
    private readonly ConcurrentDictionary<GrainId, byte> _refused = new();
    private readonly Lock _choosing = new();

    /// <summary>The placement found no node for this room's grain: it opens here only to say so (<see cref="LoadPlacementDirector"/>).</summary>
    public void MarkRefused(GrainId grain) => _refused[grain] = 0;

    /// <summary>True (once) when this grain was opened here because no node could take it.</summary>
    public bool TakeRefused(GrainId grain) => _refused.TryRemove(grain, out _);

    /// <summary>This node's load now.</summary>
    public NodeLoad Local => new(rooms.RoomCount, rooms.ParticipantCount, rooms.Draining, cpu.Fraction);

    /// <summary>The load this node last heard from <paramref name="node"/> (its own: live), with the rooms placed there since.</summary>
    public NodeLoad Of(SiloAddress node)
    {
        var load = node.Equals(silo.SiloAddress) ? Local : _known.GetValueOrDefault(node) ?? new NodeLoad(0, 0, false);
        var placed = _placed.GetValueOrDefault(node);
        return placed == 0 ? load : load with { Rooms = load.Rooms + placed, Participants = load.Participants + placed };
    }

    /// <summary>
    /// The node for a new room among <paramref name="candidates"/> (docs/scale-out.md, "Choosing a node by load"). Left
    /// out: nodes that drain, that have <see cref="ClusterSettings.MaxParticipants"/>, or whose CPU is at
    /// <see cref="ClusterSettings.MaxCpu"/>. Of the rest, only those within <see cref="ClusterSettings.CpuSlack"/> points
    /// of the lowest CPU are weighed (CPU that differs by less is noise, and must not flip the choice; with MaxCpu 0 CPU is
    /// not weighed at all), and of those the
    /// one with the fewest participants, then the fewest rooms; this node instead when it is among them and has at most
    /// <see cref="ClusterSettings.LocalSlack"/> participants more. Null when none can take the room.
    /// </summary>
    public SiloAddress? Choose(IReadOnlyList<SiloAddress> candidates)
    {
        lock (_choosing)
        {
            var open = new List<(SiloAddress Node, NodeLoad Load)>(candidates.Count);
            foreach (var node in candidates)
                if (Of(node) is var load && Takes(load)) open.Add((node, load));
            if (open.Count == 0) return null;
            var coolest = open.Min(o => o.Load.Cpu);
            SiloAddress? best = null;
            NodeLoad? bestLoad = null, localLoad = null;
            foreach (var (node, load) in open)
            {
                if (settings.MaxCpu != 0 && load.Cpu * 100 > coolest * 100 + settings.CpuSlack) continue; // 0: CPU not weighed
                if (node.Equals(silo.SiloAddress)) localLoad = load;
                if (bestLoad is null || Better(load, node, bestLoad, best!)) (best, bestLoad) = (node, load);
            }
            if (localLoad is not null && localLoad.Participants <= bestLoad!.Participants + settings.LocalSlack) best = silo.SiloAddress;
            _placed.AddOrUpdate(best!, 1, static (_, n) => n + 1);
            return best;
        }
    }

    /// <summary>Whether a node with this load takes new rooms: not draining, under the participant limit and under the CPU limit.</summary>
    private bool Takes(NodeLoad load) =>
        !load.Draining
        && (settings.MaxParticipants == 0 || load.Participants < settings.MaxParticipants)
        && (settings.MaxCpu == 0 || load.Cpu * 100 < settings.MaxCpu);

    private bool Better(NodeLoad a, SiloAddress aNode, NodeLoad b, SiloAddress bNode)
    {
        if (a.Participants != b.Participants) return a.Participants < b.Participants;
        if (a.Rooms != b.Rooms) return a.Rooms < b.Rooms;
        return aNode.Equals(silo.SiloAddress) && !bNode.Equals(silo.SiloAddress);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.LoadRefresh, time);
        try
        {
            do
            {
                cpu.Sample();
                await RefreshAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Asks every other active node for its load, at once; forgets nodes no longer active.</summary>
    internal async Task RefreshAsync(CancellationToken ct)
    {
        var self = silo.SiloAddress;
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToHashSet();
        foreach (var gone in _known.Keys.Where(k => !active.Contains(k))) _known.TryRemove(gone, out _);
        var asks = active.Where(a => !a.Equals(self))
            .Select(a => (Node: a, Task: grains.GetGrain<INodeGrain>(a.ToParsableString()).LoadAsync().WaitAsync(settings.CallTimeout, ct)))
            .ToList();
        _placed.TryRemove(self, out _); // this node's own load is live: its rooms are counted once made
        foreach (var (node, task) in asks)
        {
            try
            {
                _known[node] = await task;
                _placed.TryRemove(node, out _);
            }
            catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException)
            {
                LogNoLoad(log, node.ToParsableString(), e.Message);
            }
        }
    }

    [LoggerMessage(EventId = 2140, Level = LogLevel.Debug, Message = "Node {Node} did not tell its load: {Problem}")]
    private static partial void LogNoLoad(ILogger log, string node, string problem);
}
