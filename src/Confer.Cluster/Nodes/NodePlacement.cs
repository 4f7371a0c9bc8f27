using Orleans;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Confer.Cluster.Nodes;

/// <summary>A grain keyed by a silo address lives on that silo, and nowhere else: it is that node's front door.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("confer.node-placement")]
public sealed class NodePlacement : PlacementStrategy
{
    internal static readonly NodePlacement Instance = new();
}

/// <summary>Places the grain on the node its key names (<see cref="NodePlacement"/>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NodePlacementAttribute() : PlacementAttribute(NodePlacement.Instance);

/// <summary>
/// Chooses the silo the grain's key names. A key naming no live member is refused: the caller's call fails (the node
/// is gone), rather than a node grain opening on a node it does not stand for.
/// </summary>
internal sealed class NodePlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString();
        var wanted = SiloAddress.FromParsableString(key);
        foreach (var silo in context.GetCompatibleSilos(target))
            if (silo.Equals(wanted)) return Task.FromResult(silo);
        throw new SiloUnavailableException($"node {key} is not a live member of the cluster");
    }
}
