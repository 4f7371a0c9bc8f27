using Confer.Cluster.Routing;
using Confer.Signaling.Auth;
using Confer.Signaling.Rooms;

namespace Confer.Server.Whip;

/// <summary>
/// This node's WHIP path for requests another node forwarded (docs/scale-out.md, "Serving a room through any node"): the
/// same steps and sentences as a request that came here, from the offer's sections on (the forwarding node checked the
/// token, the body and the offer already; the sections are read again here).
/// </summary>
internal sealed class WhipHost(IServiceProvider services, ILoggerFactory logs) : IWhipHost
{
    private readonly ILogger _log = logs.CreateLogger(WhipEndpoint.LogCategory);

    public Task<WhipAnswer> PostAsync(AccessToken token, string offer, CancellationToken ct) =>
        WhipOffer.TryRead(offer, out var sections, out var problem)
            ? WhipEndpoint.IngestHereAsync(services, _log, token, offer, sections, ct)
            : Task.FromResult(WhipAnswer.Refused(StatusCodes.Status400BadRequest, problem ?? "the offer is not SDP"));

    public WhipAnswer Delete(RoomName room, string session) => WhipEndpoint.EndHere(services, room, session);
}
