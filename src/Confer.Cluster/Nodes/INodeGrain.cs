using Confer.Cluster.Forwarding;
using Confer.Cluster.Routing;
using Orleans;

namespace Confer.Cluster.Nodes;

/// <summary>
/// One node of the cluster as the others reach it, keyed by its silo address (<see cref="NodePlacement"/> keeps it on
/// that node and nowhere else). Through it another node joins a participant to a room hosted here, sends that
/// participant's frames and its leave, and asks the server API's questions of this node's rooms (docs/scale-out.md).
/// Every call is answered from this node's <c>RoomManager</c> at once, so the grain is reentrant.
/// </summary>
[Alias("confer.node")]
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>Joins (or resumes) a participant whose socket is on <paramref name="forwarder"/>; its frames go to <paramref name="observer"/>.</summary>
    [Alias("join")]
    Task<RemoteJoinReply> JoinAsync(byte[] join, IParticipantObserver observer, string forwarder);

    /// <summary>One client frame (JSON) of a forwarded participant.</summary>
    [Alias("signal")]
    Task<SignalOutcome> SignalAsync(long session, byte[] message);

    /// <summary>The forwarded participant's socket ended (<paramref name="reason"/> as in <c>LeaveRequest</c>).</summary>
    [Alias("leave")]
    Task LeaveAsync(long session, string? reason);

    /// <summary>Whether this node holds <paramref name="room"/> now (a room grain that lost its directory entry asks, see RoomGrain).</summary>
    [Alias("holds")]
    Task<bool> HoldsAsync(string room);

    /// <summary>The names of the rooms this node holds now.</summary>
    [Alias("rooms")]
    Task<string[]> RoomsAsync();

    /// <summary>
    /// Gives <paramref name="room"/> up to <paramref name="holder"/>, which also has it and keeps it: the participants here
    /// are told to join again and find it there. Asked after two node sets became one cluster (<c>MembershipKeeper</c>).
    /// False when this node does not hold the room.
    /// </summary>
    [Alias("give-up")]
    Task<bool> GiveUpAsync(string room, Rooms.RoomHost holder);

    /// <summary>A server-API request (JSON, by type name) about a room on this node; the reply as JSON.</summary>
    [Alias("request")]
    Task<byte[]> RequestAsync(string type, byte[] request);

    /// <summary>A WHIP offer for a room on this node, with a token the calling node validated; this node's answer (<c>IWhipHost</c>).</summary>
    [Alias("whip-post")]
    Task<WhipAnswer> WhipPostAsync(byte[] token, string offer);

    /// <summary>A <c>DELETE</c> of this node's WHIP session <paramref name="session"/> of <paramref name="room"/>.</summary>
    [Alias("whip-delete")]
    Task<WhipAnswer> WhipDeleteAsync(string room, string session);

    /// <summary>This node's load as placement weighs it (<see cref="NodeLoads"/>).</summary>
    [Alias("load")]
    Task<NodeLoad> LoadAsync();
}

/// <summary>
/// A node's load: its rooms and participants (its <c>RoomManager</c>'s), whether it drains (then it takes no new rooms),
/// and its process's CPU over the last few seconds as a fraction of the machine's cores (<see cref="ProcessCpu"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("confer.node-load")]
public sealed record NodeLoad([property: Id(0)] int Rooms, [property: Id(1)] int Participants, [property: Id(2)] bool Draining,
    [property: Id(3)] double Cpu = 0);

/// <summary>The join's reply (JSON of <c>JoinReply</c>) and the session that stands for the participant's socket on the room's node.</summary>
[GenerateSerializer, Immutable, Alias("confer.remote-join")]
public sealed record RemoteJoinReply([property: Id(0)] byte[] Reply, [property: Id(1)] long Session);

/// <summary>What became of a forwarded client frame.</summary>
[GenerateSerializer, Alias("confer.signal-outcome")]
public enum SignalOutcome
{
    /// <summary>Taken by the room.</summary>
    Ok,
    /// <summary>The room answered it with an <c>error</c> frame.</summary>
    Error,
    /// <summary>The room's node has no such session (it restarted, or the session ended): the client must join again.</summary>
    Gone,
}
