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

    /// <summary>
    /// This activation's node gave the room up to <paramref name="holder"/>, which keeps it (two node sets that each had the
    /// room became one cluster, see <c>MembershipKeeper</c>): from now on it answers with that node while that node holds it.
    /// </summary>
    [Alias("point-at")]
    Task PointAtAsync(RoomHost holder);
}

/// <summary>
/// The node that hosts a room: its name, its silo address (unique per start of the node), and since when it holds this
/// claim (a claim that lapsed and was made again, on the same node or another, has a later time). <paramref name="Leaving"/>:
/// that node drains and the claim moves; the asker asks again and finds the room on another node. <paramref name="Refused"/>:
/// the room was nowhere and no node can take a new room (every node at its limit or draining).
/// </summary>
[GenerateSerializer, Immutable, Alias("confer.room-host")]
public sealed record RoomHost([property: Id(0)] string Node, [property: Id(1)] string Silo, [property: Id(2)] DateTimeOffset Since,
    [property: Id(3)] bool Leaving = false, [property: Id(4)] bool Refused = false);
