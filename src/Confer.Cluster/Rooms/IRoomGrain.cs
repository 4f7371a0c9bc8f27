using Orleans;

namespace Confer.Cluster.Rooms;

/// <summary>
/// One room of the cluster, keyed by the room's name. Orleans keeps at most one activation of it (its directory is in
/// Redis), placed on the least-loaded node when it is first asked for (<see cref="RoomGrain"/>): that node hosts the room, and every node asks
/// this grain where a room lives.
/// </summary>
[Alias("confer.room")]
public interface IRoomGrain : IGrainWithStringKey
{
    /// <summary>The node that hosts the room: the one this activation runs on. Calling it claims the room for a while.</summary>
    [Alias("host")]
    Task<RoomHost> HostAsync();
}

/// <summary>
/// The node that hosts a room: its name, its silo address (unique per start of the node), and since when it holds this
/// claim (a claim that lapsed and was made again, on the same node or another, has a later time). <paramref name="Leaving"/>:
/// that node drains and lets go of the claim; the asker asks again and the room is placed on another node.
/// </summary>
[GenerateSerializer, Immutable, Alias("confer.room-host")]
public sealed record RoomHost([property: Id(0)] string Node, [property: Id(1)] string Silo, [property: Id(2)] DateTimeOffset Since,
    [property: Id(3)] bool Leaving = false);
