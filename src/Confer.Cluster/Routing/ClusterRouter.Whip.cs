using Confer.Cluster.Forwarding;
using Confer.Cluster.Nodes;
using Confer.Cluster.Rooms;
using Confer.Signaling.Auth;
using Confer.Signaling.Rooms;
using Microsoft.Extensions.Logging;

namespace Confer.Cluster.Routing;

/// <summary>
/// WHIP through any node: a POST for a room on another node, and a DELETE of a session this node does not hold, go to
/// the room's node (<see cref="INodeGrain.WhipPostAsync"/>, <see cref="INodeGrain.WhipDeleteAsync"/>) with the call
/// timeout; the room's node runs its own WHIP path, so the ingest is its participant on its SFU, and the answer (status,
/// SDP with its candidates, <c>Location</c>, <c>ETag</c>, or the refusal's sentence) comes back unchanged. The session's
/// resource names the room, so a later request finds the room's node whatever node it lands on.
/// </summary>
internal sealed partial class ClusterRouter : IWhipRelay
{
    public async ValueTask<WhipAnswer?> PostAsync(AccessToken token, string offer, CancellationToken ct)
    {
        var room = new RoomName(token.Video.Room ?? "");
        var (host, problem) = await WhereAsync(room, ct);
        if (problem is not null) return WhipAnswer.Refused(503, problem);
        if (host is null) return null;
        return await ForwardWhipAsync(room, host, node => node.WhipPostAsync(Wire.Token(token), offer), ct);
    }

    public async ValueTask<WhipAnswer?> DeleteAsync(RoomName room, string session, CancellationToken ct)
    {
        if (!RoomName.IsValid(room.Value) || rooms.Holds(room)) return null;
        var (host, problem) = await WhereAsync(room, ct);
        if (problem is not null) return WhipAnswer.Refused(503, problem);
        if (host is null) return null;
        return await ForwardWhipAsync(room, host, node => node.WhipDeleteAsync(room.Value, session), ct);
    }

    private async Task<WhipAnswer> ForwardWhipAsync(RoomName room, RoomHost host, Func<INodeGrain, Task<WhipAnswer>> call, CancellationToken ct)
    {
        try
        {
            var answer = await call(grains.GetGrain<INodeGrain>(host.Silo)).WaitAsync(settings.CallTimeout, ct);
            LogWhipForwarded(log, room.Value, host.Node, answer.Status);
            return answer;
        }
        catch (Exception e) when (IsClusterFailure(e))
        {
            LogCallFailed(log, room.Value, host.Node, e.Message);
            return WhipAnswer.Refused(503, $"cluster unavailable: the room's node {host.Node} did not answer, try again in a moment");
        }
    }

    [LoggerMessage(EventId = 2105, Level = LogLevel.Debug, Message = "Room {Room}: a WHIP request went to the room's node {Node}, which answered {Status}")]
    private static partial void LogWhipForwarded(ILogger log, string room, string node, int status);
}
