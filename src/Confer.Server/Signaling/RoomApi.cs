using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Confer.Signaling;
using Confer.Signaling.Auth;
using Confer.Signaling.Protocol;
using Confer.Signaling.Rooms;

namespace Confer.Server.Signaling;

/// <summary>The server API under <c>/api/rooms</c> (docs/protocol.md, "Server API"), bearer tokens with room grants.</summary>
internal static class RoomApi
{
    // The (manager, context) => Task<IResult> lambdas below are not RequestDelegates; ASP0016 mistakes them for ones.
#pragma warning disable ASP0016
    private static readonly ProtocolJsonContext Json = ProtocolJsonContext.Default;

    public static void Map(WebApplication app)
    {
        app.MapGet("/api/rooms", ctx => Run(ctx, null, g => g.RoomList, "roomList", (m, _) =>
            Task.FromResult(Results.Json(new ApiRoomList(m.ListRooms()), Json.ApiRoomList))));

        app.MapPost("/api/rooms", ctx => Run(ctx, null, g => g.RoomCreate, "roomCreate", async (m, c) =>
        {
            var body = await ReadAsync(c, Json.ApiCreateRoom);
            if (body is null || !RoomName.IsValid(body.Name)) return Problem(400, "the body needs a room 'name' of 1 to 128 characters");
            if (body.MaxParticipants is < 1 || body.EmptyTimeout is < 0) return Problem(400, "'maxParticipants' must be at least 1 and 'emptyTimeout' not negative");
            var info = m.CreateRoom(new RoomName(body.Name!), body.MaxParticipants,
                body.EmptyTimeout is { } s ? TimeSpan.FromSeconds(s) : null, body.Metadata);
            return Results.Json(info, Json.RoomInfo);
        }));

        app.MapDelete("/api/rooms/{room}", ctx => Run(ctx, null, g => g.RoomCreate, "roomCreate", (m, c) =>
            Task.FromResult(m.DeleteRoom(RoomOf(c)) ? Results.NoContent() : Problem(404, "no such room"))));

        app.MapGet("/api/rooms/{room}/participants", ctx => Run(ctx, RoomOf(ctx), g => g.RoomAdmin, "roomAdmin", (m, c) =>
            Task.FromResult(m.ListParticipants(RoomOf(c)) is { } list
                ? Results.Json(new ApiParticipantList(list), Json.ApiParticipantList)
                : Problem(404, "no such room"))));

        app.MapGet("/api/rooms/{room}/participants/{identity}", ctx => Run(ctx, RoomOf(ctx), g => g.RoomAdmin, "roomAdmin", (m, c) =>
            Task.FromResult(m.GetParticipant(RoomOf(c), IdentityOf(c)) is { } p
                ? Results.Json(p, Json.ParticipantInfo)
                : Problem(404, "no such room or participant"))));

        app.MapDelete("/api/rooms/{room}/participants/{identity}", ctx => Run(ctx, RoomOf(ctx), g => g.RoomAdmin, "roomAdmin", (m, c) =>
            Task.FromResult(Outcome(m.RemoveParticipant(RoomOf(c), IdentityOf(c)), null))));

        app.MapPost("/api/rooms/{room}/participants/{identity}/mute", ctx => Run(ctx, RoomOf(ctx), g => g.RoomAdmin, "roomAdmin", async (m, c) =>
        {
            var body = await ReadAsync(c, Json.ApiMuteTrack);
            if (body is null || string.IsNullOrEmpty(body.TrackSid)) return Problem(400, "the body needs 'trackSid' and 'muted'");
            var (outcome, track) = m.MuteTrack(RoomOf(c), IdentityOf(c), body.TrackSid, body.Muted);
            return outcome == ApiOutcome.Done ? Results.Json(track!, Json.TrackInfo) : Outcome(outcome, null);
        }));

        app.MapPost("/api/rooms/{room}/data", ctx => Run(ctx, RoomOf(ctx), g => g.RoomAdmin, "roomAdmin", async (m, c) =>
        {
            var body = await ReadAsync(c, Json.ApiSendData);
            if (body is null) return Problem(400, "the body needs 'payload'");
            var (outcome, problem) = m.SendData(RoomOf(c), body);
            return Outcome(outcome, problem);
        }));
    }

#pragma warning restore ASP0016

    private static async Task Run(HttpContext ctx, RoomName? scope, Func<VideoGrant, bool> grant, string grantName,
        Func<RoomManager, HttpContext, Task<IResult>> action)
    {
        var result = await AuthorizeAsync(ctx, scope, grant, grantName)
            ?? await action(ctx.RequestServices.GetRequiredService<RoomManager>(), ctx);
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

    private static IResult Outcome(ApiOutcome outcome, string? problem) => outcome switch
    {
        ApiOutcome.Done => Results.NoContent(),
        ApiOutcome.NoRoom => Problem(404, "no such room"),
        ApiOutcome.NoParticipant => Problem(404, problem ?? "no such participant"),
        ApiOutcome.NoTrack => Problem(404, "no such track"),
        _ => Problem(400, problem ?? "bad request"),
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
    private static string IdentityOf(HttpContext ctx) => ctx.Request.RouteValues["identity"] as string ?? "";
}
