using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Confer.Signaling;
using Confer.Signaling.Auth;
using Confer.Signaling.Protocol;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;

namespace Confer.Server.Signaling;

/// <summary>The server API under <c>/api/rooms</c> (docs/protocol.md, "Server API"), bearer tokens with room grants.</summary>
internal static class RoomApi
{
    // The (router, context) => Task<IResult> lambdas below are not RequestDelegates; ASP0016 mistakes them for ones.
#pragma warning disable ASP0016
    private static readonly ProtocolJsonContext Json = ProtocolJsonContext.Default;

    public static void Map(WebApplication app)
    {
        app.MapGet("/api/rooms", ctx => Run(ctx, null, g => g.RoomList, "roomList", async (r, c) =>
            Results.Json(new ApiRoomList((await r.RequestAsync(new ListRoomsRequest(), c.RequestAborted)).Rooms ?? []), Json.ApiRoomList)));

        app.MapPost("/api/rooms", ctx => Run(ctx, null, g => g.RoomCreate, "roomCreate", async (r, c) =>
        {
            var body = await ReadAsync(c, Json.ApiCreateRoom);
            if (body is null || !RoomName.IsValid(body.Name)) return Problem(400, "the body needs a room 'name' of 1 to 128 characters");
            if (body.MaxParticipants is < 1 || body.EmptyTimeout is < 0) return Problem(400, "'maxParticipants' must be at least 1 and 'emptyTimeout' not negative");
            var reply = await r.RequestAsync(new CreateRoomRequest(new RoomName(body.Name!), body.MaxParticipants,
                body.EmptyTimeout is { } s ? TimeSpan.FromSeconds(s) : null, body.Metadata), c.RequestAborted);
            return reply.Room is { } info ? Results.Json(info, Json.RoomInfo) : Outcome(reply);
        }));

        app.MapDelete("/api/rooms/{room}", ctx => Run(ctx, null, g => g.RoomCreate, "roomCreate", async (r, c) =>
            (await r.RequestAsync(new DeleteRoomRequest(RoomOf(c)), c.RequestAborted)).Outcome == ApiOutcome.Done
                ? Results.NoContent() : Problem(404, "no such room")));

        app.MapGet("/api/rooms/{room}/participants", ctx => Run(ctx, RoomOf(ctx), g => g.RoomAdmin, "roomAdmin", async (r, c) =>
            (await r.RequestAsync(new ListParticipantsRequest(RoomOf(c)), c.RequestAborted)).Participants is { } list
                ? Results.Json(new ApiParticipantList(list), Json.ApiParticipantList)
                : Problem(404, "no such room")));

        app.MapGet("/api/rooms/{room}/participants/{identity}", ctx => Run(ctx, RoomOf(ctx), g => g.RoomAdmin, "roomAdmin", async (r, c) =>
            (await r.RequestAsync(new GetParticipantRequest(RoomOf(c), IdentityOf(c)), c.RequestAborted)).Participant is { } p
                ? Results.Json(p, Json.ParticipantInfo)
                : Problem(404, "no such room or participant")));

        app.MapDelete("/api/rooms/{room}/participants/{identity}", ctx => Run(ctx, RoomOf(ctx), g => g.RoomAdmin, "roomAdmin", async (r, c) =>
            Outcome(await r.RequestAsync(new RemoveParticipantRequest(RoomOf(c), IdentityOf(c)), c.RequestAborted))));

        app.MapPost("/api/rooms/{room}/participants/{identity}/mute", ctx => Run(ctx, RoomOf(ctx), g => g.RoomAdmin, "roomAdmin", async (r, c) =>
        {
            var body = await ReadAsync(c, Json.ApiMuteTrack);
            if (body is null || string.IsNullOrEmpty(body.TrackSid)) return Problem(400, "the body needs 'trackSid' and 'muted'");
            var reply = await r.RequestAsync(new MuteTrackRequest(RoomOf(c), IdentityOf(c), new TrackSid(body.TrackSid), body.Muted), c.RequestAborted);
            return reply.Track is { } track ? Results.Json(track, Json.TrackInfo) : Outcome(reply);
        }));

        app.MapPost("/api/rooms/{room}/data", ctx => Run(ctx, RoomOf(ctx), g => g.RoomAdmin, "roomAdmin", async (r, c) =>
        {
            var body = await ReadAsync(c, Json.ApiSendData);
            if (body is null) return Problem(400, "the body needs 'payload'");
            return Outcome(await r.RequestAsync(new SendDataRequest(RoomOf(c), body), c.RequestAborted));
        }));
    }

#pragma warning restore ASP0016

    private static async Task Run(HttpContext ctx, RoomName? scope, Func<VideoGrant, bool> grant, string grantName,
        Func<IRoomRouter, HttpContext, Task<IResult>> action)
    {
        var result = await AuthorizeAsync(ctx, scope, grant, grantName)
            ?? await action(ctx.RequestServices.GetRequiredService<IRoomRouter>(), ctx);
        await result.ExecuteAsync(ctx);
    }

    /// <summary>Null when the bearer token carries the grant (for <paramref name="scope"/>, when given); otherwise the refusal.</summary>
    internal static async Task<IResult?> AuthorizeAsync(HttpContext ctx, RoomName? scope, Func<VideoGrant, bool> grant, string grantName)
    {
        var validation = await ctx.RequestServices.GetRequiredService<AccessTokenValidator>().ValidateAsync(RtcEndpoint.TokenOf(ctx));
        if (validation.Token is not { } token) return Problem(401, $"invalid token: {validation.Error}");
        if (!grant(token.Video)) return Problem(403, $"the token has no {grantName} grant");
        if (scope is { } room && token.Video.Room != room.Value) return Problem(403, $"the token's {grantName} grant is for another room");
        return null;
    }

    private static IResult Outcome(RoomReply reply) => reply.Outcome switch
    {
        ApiOutcome.Done => Results.NoContent(),
        ApiOutcome.NoRoom => Problem(404, "no such room"),
        ApiOutcome.NoParticipant => Problem(404, reply.Problem ?? "no such participant"),
        ApiOutcome.NoTrack => Problem(404, "no such track"),
        _ => Problem(400, reply.Problem ?? "bad request"),
    };

    internal static IResult Problem(int status, string message) => Results.Json(new ApiError(message), Json.ApiError, statusCode: status);

    internal static async Task<T?> ReadAsync<T>(HttpContext ctx, JsonTypeInfo<T> type) where T : class
    {
        var limit = ctx.RequestServices.GetRequiredService<SignalingOptions>().MaxFrameBytes;
        if (ctx.Request.ContentLength > limit) return null;
        try
        {
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
            return buffer.Length > limit ? null : JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static RoomName RoomOf(HttpContext ctx) => new(ctx.Request.RouteValues["room"] as string ?? "");
    private static ParticipantIdentity IdentityOf(HttpContext ctx) => new(ctx.Request.RouteValues["identity"] as string ?? "");
}
