using System.Text;
using Confer.Cluster.Routing;
using Confer.Server.Signaling;
using Confer.Signaling;
using Confer.Signaling.Auth;
using Confer.Signaling.Protocol;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;

namespace Confer.Server.Whip;

/// <summary>
/// WHIP ingest (RFC 9725; docs/protocol.md, "WHIP ingest"): an encoder (OBS, GStreamer) POSTs its SDP offer to
/// <c>/whip/{room}</c> with a bearer token that may join that room and publish; the room gets a participant without a
/// socket whose tracks everyone sees, and the encoder gets <c>201 Created</c>, the SDP answer and the session's
/// <c>Location</c>. <c>DELETE</c> on that resource ends it. The SFU is ICE-lite: its candidates are in the answer, so
/// no trickle is needed (<c>PATCH</c> answers 405, RFC 9725 §4.3.1).
/// </summary>
internal static partial class WhipEndpoint
{
    public const string SdpType = "application/sdp";
    internal const string LogCategory = "Confer.Whip";
    private const string Methods = "POST, DELETE, OPTIONS";

    public static void Map(WebApplication app)
    {
        app.MapMethods("/whip/{room}", ["OPTIONS"], Preflight);
        app.MapMethods("/whip/{room}/{session}", ["OPTIONS"], Preflight);
        app.MapPost("/whip/{room}", PostAsync);
        app.MapDelete("/whip/{room}/{session}", DeleteAsync);
        app.MapMethods("/whip/{room}/{session}", ["PATCH"], Patch);
    }

    /// <summary>
    /// RFC 9725 §4.2: OPTIONS answers a browser's CORS preflight (Fetch) and says the POST takes <c>application/sdp</c>
    /// (RFC 7231 Accept-Post). No ICE servers are offered: the SFU's candidates come in the answer.
    /// </summary>
    private static IResult Preflight(HttpContext ctx)
    {
        Cors(ctx.Response);
        var headers = ctx.Response.Headers;
        headers.AccessControlAllowMethods = Methods;
        headers.AccessControlAllowHeaders = "Authorization, Content-Type";
        headers.AccessControlMaxAge = "86400";
        headers["Accept-Post"] = SdpType;
        headers.Allow = Methods;
        return Results.NoContent();
    }

    private static IResult Patch(HttpContext ctx)
    {
        Cors(ctx.Response);
        ctx.Response.Headers.Allow = "DELETE, OPTIONS";
        return RoomApi.Problem(StatusCodes.Status405MethodNotAllowed,
            "this WHIP server does not take trickle ICE or ICE restarts: its candidates are all in the answer (ICE-lite); POST a new offer instead");
    }

    private static async Task PostAsync(HttpContext ctx)
    {
        Cors(ctx.Response);
        var result = await CreateAsync(ctx);
        await result.ExecuteAsync(ctx);
    }

    private static async Task<IResult> CreateAsync(HttpContext ctx)
    {
        var services = ctx.RequestServices;
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory);
        var room = new RoomName(ctx.GetRouteValue("room") as string ?? "");
        var validation = await services.GetRequiredService<AccessTokenValidator>().ValidateAsync(RtcEndpoint.TokenOf(ctx));
        if (validation.Token is not { } token)
        {
            ctx.Response.Headers.WWWAuthenticate = "Bearer";
            LogRefused(log, room.Value, 401, "invalid token");
            return RoomApi.Problem(StatusCodes.Status401Unauthorized, $"invalid token: {validation.Error}");
        }
        if (token.Video.Room != room.Value) return Refuse(log, room, 403, "permission denied: the token is for another room");

        if (!IsSdp(ctx.Request.ContentType)) return Refuse(log, room, 415, $"the offer's Content-Type must be {SdpType}");
        var limit = (int)Math.Min(services.GetRequiredService<SignalingOptions>().MaxSdpBytes, Web.HttpHardening.MaxRequestBodyBytes);
        var (offer, tooLarge) = await ReadBodyAsync(ctx, limit);
        if (tooLarge) return Refuse(log, room, 413, $"the offer is larger than {limit} bytes");
        if (offer is null) return Refuse(log, room, 400, "the body is not UTF-8 SDP");
        if (!WhipOffer.TryRead(offer, out var sections, out var problem)) return Refuse(log, room, 400, problem ?? "the offer is not SDP");

        // In a cluster, an offer for a room on another node goes there and its answer comes back (docs/scale-out.md).
        if (services.GetService<IWhipRelay>() is { } relay && await relay.PostAsync(token, offer, ctx.RequestAborted) is { } forwarded)
            return Answer(ctx, forwarded);
        return Answer(ctx, await IngestHereAsync(services, log, token, offer, sections, ctx.RequestAborted));
    }

    /// <summary>
    /// The offer (read and checked) becomes a participant of a room on this node: the request came here, or another node
    /// forwarded it (<see cref="WhipHost"/>). The answer carries the session's resource, which names the room so that a
    /// later request reaches this node through any node.
    /// </summary>
    internal static async Task<WhipAnswer> IngestHereAsync(IServiceProvider services, ILogger log, AccessToken token, string offer,
        List<IngestSection> sections, CancellationToken ct)
    {
        var room = new RoomName(token.Video.Room ?? "");
        var sessions = services.GetRequiredService<WhipSessions>();
        var router = services.GetRequiredService<IRoomRouter>();
        if (sessions.Count >= WhipSessions.MaxSessions) await sessions.PruneAsync(router, ct);
        var connection = ConnectionId.Next();
        var reply = await router.IngestAsync(new IngestRequest(token, connection, offer, sections), ct);
        if (reply.Participant is not { } participant)
        {
            var status = reply.Outcome switch
            {
                IngestOutcome.Forbidden => 403,
                IngestOutcome.NotSfu or IngestOutcome.RoomFull => 409,
                IngestOutcome.Unavailable => 503,
                _ => 400,
            };
            return Refused(log, room, status, reply.Reason ?? "refused");
        }
        var session = new WhipSession(WhipSessions.NewId(), room, participant, connection, token.Identity!);
        if (!sessions.TryAdd(session))
        {
            router.Leave(new LeaveRequest(room, participant, connection, LeaveReasons.Left));
            return Refused(log, room, 503, $"this server holds {WhipSessions.MaxSessions} WHIP sessions; try again later");
        }
        LogStarted(log, room.Value, token.Identity!, participant.Value, sections.Count);
        return WhipAnswer.Created(reply.AnswerSdp ?? "", $"/whip/{Uri.EscapeDataString(room.Value)}/{session.Id}", $"\"{session.Id}\"");
    }

    /// <summary>
    /// RFC 9725 §4.3: DELETE on the session's resource ends it; the participant leaves the room. A session this node does
    /// not hold may be on the room's node (the POST went through another node, or this one): the DELETE goes there.
    /// </summary>
    private static async Task DeleteAsync(HttpContext ctx)
    {
        Cors(ctx.Response);
        var room = new RoomName(ctx.GetRouteValue("room") as string ?? "");
        var id = ctx.GetRouteValue("session") as string ?? "";
        var services = ctx.RequestServices;
        var answer = services.GetService<IWhipRelay>() is { } relay && !services.GetRequiredService<WhipSessions>().Contains(room, id)
            ? await relay.DeleteAsync(room, id, ctx.RequestAborted) ?? EndHere(services, room, id)
            : EndHere(services, room, id);
        await Answer(ctx, answer).ExecuteAsync(ctx);
    }

    /// <summary>Ends this node's session <paramref name="id"/> of <paramref name="room"/>: 200, or 404 when there is none.</summary>
    internal static WhipAnswer EndHere(IServiceProvider services, RoomName room, string id)
    {
        if (services.GetRequiredService<WhipSessions>().TryTake(room, id) is not { } session) return WhipAnswer.Refused(404, "no such WHIP session");
        services.GetRequiredService<IRoomRouter>().Leave(new LeaveRequest(session.Room, session.Participant, session.Connection, LeaveReasons.Left));
        LogEnded(services.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory), room.Value, session.Identity);
        return WhipAnswer.Ended;
    }

    /// <summary>The HTTP answer for a <see cref="WhipAnswer"/>, whichever node made it.</summary>
    private static IResult Answer(HttpContext ctx, WhipAnswer answer)
    {
        if (answer.Problem is { } problem) return RoomApi.Problem(answer.Status, problem);
        if (answer.Location is { } location) ctx.Response.Headers.Location = location;
        if (answer.ETag is { } etag) ctx.Response.Headers.ETag = etag;
        return answer.Sdp is { } sdp ? Results.Text(sdp, SdpType, Encoding.UTF8, answer.Status) : Results.StatusCode(answer.Status);
    }

    /// <summary>The body as text, or tooLarge past <paramref name="limit"/> bytes (whatever the framing).</summary>
    private static async Task<(string? Text, bool TooLarge)> ReadBodyAsync(HttpContext ctx, int limit)
    {
        if (ctx.Request.ContentLength > limit) return (null, true);
        var buffer = new byte[limit + 1];
        var filled = 0;
        try
        {
            while (filled < buffer.Length)
            {
                var n = await ctx.Request.Body.ReadAsync(buffer.AsMemory(filled), ctx.RequestAborted);
                if (n == 0) break;
                filled += n;
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, true);
        }
        if (filled > limit) return (null, true);
        try
        {
            return (new UTF8Encoding(false, true).GetString(buffer, 0, filled), false);
        }
        catch (DecoderFallbackException)
        {
            return (null, false);
        }
    }

    private static bool IsSdp(string? contentType) =>
        contentType is not null && contentType.Split(';')[0].Trim().Equals(SdpType, StringComparison.OrdinalIgnoreCase);

    /// <summary>WHIP clients may be web pages on another origin (RFC 9725 §4.2 and the Fetch standard): the token, not the origin, decides.</summary>
    private static void Cors(HttpResponse response)
    {
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.AccessControlExposeHeaders = "Location, ETag, Accept-Post";
    }

    private static IResult Refuse(ILogger log, RoomName room, int status, string reason)
    {
        LogRefused(log, room.Value, status, reason);
        return RoomApi.Problem(status, reason);
    }

    private static WhipAnswer Refused(ILogger log, RoomName room, int status, string reason)
    {
        LogRefused(log, room.Value, status, reason);
        return WhipAnswer.Refused(status, reason);
    }

    [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "WHIP: {Identity} streams into {Room} as {Sid} ({Sections} sections)")]
    private static partial void LogStarted(ILogger logger, string room, string identity, string sid, int sections);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Information, Message = "WHIP: {Identity}'s session in {Room} ended (DELETE)")]
    private static partial void LogEnded(ILogger logger, string room, string identity);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Debug, Message = "WHIP: refused an offer for {Room} with {Status}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string room, int status, string reason);
}
