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

/// <summary>Asks <see cref="NodeLoads"/> for the node; when no node can take a new room, the placement (and so the caller's call) fails.</summary>
internal sealed class LoadPlacementDirector(NodeLoads loads) : IPlacementDirector
{
    /// <summary>The start of the failure's message, by which <c>ClusterRouter</c> tells it from a cluster that does not answer.</summary>
    public const string AllFull = "every node is full or draining";

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var candidates = context.GetCompatibleSilos(target);
        return Task.FromResult(loads.Choose(candidates) ?? throw new NoNodeForRoomException($"{AllFull}: no node takes a new room now"));
    }
}

/// <summary>No live node can take a new room: all are at their participant limit or draining.</summary>
[GenerateSerializer, Alias("confer.no-node-for-room")]
public sealed class NoNodeForRoomException : OrleansException
{
    public NoNodeForRoomException(string message) : base(message)
    {
    }
}
