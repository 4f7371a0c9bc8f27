using Confer.Signaling.Auth;
using Confer.Signaling.Rooms;
using Orleans;

namespace Confer.Cluster.Routing;

/// <summary>
/// What a WHIP request got (docs/protocol.md, "WHIP ingest"), as the node that served it answers: the status, and either
/// the SDP answer with the session's resource (<c>Location</c>, <c>ETag</c>) or the sentence of a refusal. It crosses
/// between nodes so an encoder whose request landed on another node gets what the room's node said, unchanged.
/// </summary>
[GenerateSerializer, Immutable, Alias("confer.whip-answer")]
public sealed record WhipAnswer([property: Id(0)] int Status, [property: Id(1)] string? Sdp, [property: Id(2)] string? Problem,
    [property: Id(3)] string? Location = null, [property: Id(4)] string? ETag = null)
{
    public static WhipAnswer Refused(int status, string problem) => new(status, null, problem);

    public static WhipAnswer Created(string sdp, string location, string etag) => new(201, sdp, null, location, etag);

    public static readonly WhipAnswer Ended = new(200, null, null);
}

/// <summary>This node's own WHIP path (the server's endpoint), run for a request that another node forwarded here.</summary>
public interface IWhipHost
{
    /// <summary>An offer for a room on this node, with a token the forwarding node validated for that room.</summary>
    Task<WhipAnswer> PostAsync(AccessToken token, string offer, CancellationToken ct);

    /// <summary>Ends this node's session <paramref name="session"/> of <paramref name="room"/>.</summary>
    WhipAnswer Delete(RoomName room, string session);
}

/// <summary>
/// The cluster's side of WHIP for the endpoint (docs/scale-out.md, "Serving a room through any node"): a request about a
/// room on another node goes to that node's <see cref="IWhipHost"/>, and its answer comes back. Null: the room is on this
/// node (or nowhere yet, and now placed here), so this node serves it.
/// </summary>
public interface IWhipRelay
{
    /// <summary>A new session's offer (the token already validated here, for the room it names).</summary>
    ValueTask<WhipAnswer?> PostAsync(AccessToken token, string offer, CancellationToken ct);

    /// <summary>A <c>DELETE</c> of a session this node does not hold.</summary>
    ValueTask<WhipAnswer?> DeleteAsync(RoomName room, string session, CancellationToken ct);
}
