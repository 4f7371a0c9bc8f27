using Orleans;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Confer.Cluster.Nodes;

/// <summary>A new room goes to the least-loaded live node that does not drain and is under its limit (<see cref="NodeLoads"/>).</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("confer.load-placement")]
public sealed class LoadPlacement : PlacementStrategy
{
    internal static readonly LoadPlacement Instance = new();
}

/// <summary>Places the grain by <see cref="LoadPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class LoadPlacementAttribute() : PlacementAttribute(LoadPlacement.Instance);

/// <summary>
/// Asks <see cref="NodeLoads"/> for the node. When no node can take a new room, the grain opens here but is marked
/// refused (<see cref="NodeLoads.TakeRefused"/>): it answers its first ask with <c>RoomHost.Refused</c> and goes. (A
/// placement that throws would fail the call too, but Orleans logs each such failure as an error with its stack.)
/// </summary>
internal sealed class LoadPlacementDirector(NodeLoads loads) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        if (loads.Choose(context.GetCompatibleSilos(target)) is { } node) return Task.FromResult(node);
        loads.MarkRefused(target.GrainIdentity);
        return Task.FromResult(context.LocalSilo);
    }
}
