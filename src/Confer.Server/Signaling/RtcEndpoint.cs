using System.Diagnostics;
using Confer.Signaling;
using Confer.Signaling.Auth;
using Confer.Signaling.Connections;
using Confer.Signaling.Protocol;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;

namespace Confer.Server.Signaling;

/// <summary><c>/rtc</c>: the signaling WebSocket (docs/protocol.md, "Connecting").</summary>
internal static partial class RtcEndpoint
{
    public static async Task HandleAsync(HttpContext ctx)
    {
        var arrived = Stopwatch.GetTimestamp(); // real elapsed time for the join histogram, not an expiry
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
            await ctx.Response.WriteAsync("/rtc expects a WebSocket upgrade\n");
            return;
        }
        var services = ctx.RequestServices;
        var validation = await services.GetRequiredService<AccessTokenValidator>().ValidateAsync(TokenOf(ctx));
        using var ws = await ctx.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { DangerousEnableCompression = false });
        var router = services.GetRequiredService<IRoomRouter>();
        var metrics = services.GetService<SignalingMetrics>();
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("Confer.Signaling.Connection");
        var connection = new WebSocketConnection(ws, services.GetRequiredService<SignalingOptions>(), services.GetRequiredService<TimeProvider>(),
            log, services.GetService<ISignalingCounters>());
        // Every line logged for this connection (room, connection, TURN credentials minted) carries its room and identity.
        using var scope = validation.Token is { } scoped ? Hosting.LoggingScopes.BeginConnection(log, scoped.Video.Room ?? "", scoped.Identity ?? "") : null;
        if (validation.Token is not { } token)
        {
            LogRefused(log, validation.Error ?? "invalid token"); // a fixed sentence, never the token
            await connection.RefuseAsync(CloseCodes.InvalidToken, $"invalid token: {validation.Error}", ctx.RequestAborted);
            return;
        }
        if (ctx.Request.Query["room"].ToString() is { Length: > 0 } wanted && wanted != token.Video.Room)
        {
            await connection.RefuseAsync(CloseCodes.PermissionDenied, "permission denied: the token is for another room", ctx.RequestAborted);
            return;
        }
        var ice = services.GetRequiredService<IceServerFactory>().Create(ctx.Request.Host.Host, token);
        var resume = ctx.Request.Query["resume"].ToString();
        int protocol = ctx.Request.Query["protocol"].ToString() == "2" ? 2 : 1;
        var request = string.IsNullOrEmpty(resume)
            ? new JoinRequest(token, connection.Id, ice) { Protocol = protocol }
            : new JoinRequest(token, connection.Id, ice, resume, long.TryParse(ctx.Request.Query["lastSeen"], out var seen) ? seen : 0) { Protocol = protocol };
        var reply = await router.JoinAsync(request, connection, ctx.RequestAborted);
        if (reply.Participant is not { } participant)
        {
            await connection.RefuseAsync(reply.CloseCode, reply.Reason ?? "refused", ctx.RequestAborted);
            return;
        }
        if (request.ResumeToken is null) metrics?.Joined(Stopwatch.GetElapsedTime(arrived));
        using var participantScope = Hosting.LoggingScopes.BeginParticipant(log, participant.Value);
        await connection.RunAsync(router, reply.Room, participant, ctx.RequestAborted);
    }

    /// <summary><c>GET /rtc/validate</c>: says whether a token would be let in, without joining.</summary>
    public static async Task ValidateAsync(HttpContext ctx) => await (await CheckAsync(ctx)).ExecuteAsync(ctx);

    private static async Task<IResult> CheckAsync(HttpContext ctx)
    {
        var validation = await ctx.RequestServices.GetRequiredService<AccessTokenValidator>().ValidateAsync(TokenOf(ctx));
        if (validation.Token is not { } token) return Results.Text($"invalid token: {validation.Error}\n", statusCode: StatusCodes.Status401Unauthorized);
        if (RoomManager.CheckJoinGrant(token) is { } refused) return Results.Text(refused.Reason + "\n", statusCode: StatusCodes.Status403Forbidden);
        return Results.Text("ok\n");
    }

    /// <summary>
    /// <c>GET /rtc/ice-servers</c>: the iceServers a join with this token would get, without joining, so a connection
    /// check (the SDK's <c>runConnectionCheck</c>, the <c>/diag</c> page) can try STUN and each TURN transport. The
    /// same token rules as a join; the TURN credentials expire with the token, as a join's do.
    /// </summary>
    public static async Task IceServersAsync(HttpContext ctx)
    {
        var validation = await ctx.RequestServices.GetRequiredService<AccessTokenValidator>().ValidateAsync(TokenOf(ctx));
        IResult result;
        if (validation.Token is not { } token) result = RoomApi.Problem(401, $"invalid token: {validation.Error}");
        else if (RoomManager.CheckJoinGrant(token) is { } refused) result = RoomApi.Problem(403, refused.Reason ?? "permission denied");
        else
        {
            var ice = ctx.RequestServices.GetRequiredService<IceServerFactory>().Create(ctx.Request.Host.Host, token);
            ctx.Response.Headers.CacheControl = "no-store"; // TURN credentials
            result = Results.Json(new ApiIceServers(ice), ProtocolJsonContext.Default.ApiIceServers);
        }
        await result.ExecuteAsync(ctx);
    }

    internal static string? TokenOf(HttpContext ctx)
    {
        var query = ctx.Request.Query["access_token"].ToString();
        if (!string.IsNullOrEmpty(query)) return query;
        var header = ctx.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
    }

    [LoggerMessage(EventId = 208, Level = LogLevel.Debug, Message = "Refused a signaling connection: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
