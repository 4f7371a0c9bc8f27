using System.Security.Cryptography;
using Confer.Server.Hosting;
using Confer.Server.Signaling;
using Confer.Signaling;
using Confer.Signaling.Auth;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;
using Microsoft.Extensions.Options;

namespace Confer.Server.Hosts;

/// <summary>
/// Hosts and guests for the meeting app (docs/protocol.md, "Hosts, the lobby and moderation"): hosts sign in and open
/// meetings; anyone with a meeting's link asks to join and gets a token the server mints, at once or after a host admits
/// them from the lobby. The page never holds a secret. Apps with their own backend keep minting tokens themselves.
/// </summary>
internal static class HostEndpoints
{
    private static readonly HostsJsonContext Json = HostsJsonContext.Default;

    public static IServiceCollection AddConferHosts(this IServiceCollection services, ServerOptions options)
    {
        services.AddSingleton(sp => new HostSessions(options, sp.GetRequiredService<TimeProvider>()));
        services.AddKeyedSingleton("hosts", (sp, _) => new TokenRateLimiter(options.Signaling, sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    public static void Map(WebApplication app)
    {
        var options = app.Services.GetRequiredService<ServerOptions>();
        if (app.Configuration.GetSection(HostSignInOptions.Section) is { } section && section.Exists())
        {
            if (section["Lobby"] is { Length: > 0 } lobby) options.Hosts.Lobby = bool.TryParse(lobby, out var on) ? on : throw Invalid("Hosts:Lobby must be true or false.");
            if (section["SessionLifetime"] is { Length: > 0 } life)
                options.Hosts.SessionLifetime = TimeSpan.TryParse(life, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : throw Invalid("Hosts:SessionLifetime must be a time span like 12:00:00.");
        }
        if (options.Hosts.Validate(options.Dev) is { } problem) throw Invalid(problem);

        app.MapPost("/api/host/session", SignInAsync);
        // 404 when sign-in is off tells the app's start page to open meetings the --dev way (no host to sign in).
        app.MapGet("/api/host/session", ctx => !options.Hosts.Enabled
            ? RoomApi.Problem(404, "host sign-in is off").ExecuteAsync(ctx)
            : Host(ctx) is { } name
            ? Results.Json(new HostSessionInfo(name), Json.HostSessionInfo).ExecuteAsync(ctx)
            : RoomApi.Problem(401, "not signed in").ExecuteAsync(ctx));
        app.MapDelete("/api/host/session", ctx =>
        {
            ctx.Response.Cookies.Delete(HostSessions.HostCookie, new CookieOptions { Path = "/" });
            return Results.NoContent().ExecuteAsync(ctx);
        });
        app.MapPost("/api/meetings", OpenMeetingAsync);
        app.MapPost("/api/join", JoinAsync);
        app.MapPost("/api/join/{ticket}", PollAsync);
        app.MapDelete("/api/join/{ticket}", LeaveLobbyAsync);
    }

    private static OptionsValidationException Invalid(string problem) => new(HostSignInOptions.Section, typeof(HostSignInOptions), [problem]);

    private static async Task SignInAsync(HttpContext ctx)
    {
        var options = ctx.RequestServices.GetRequiredService<ServerOptions>();
        if (!options.Hosts.Enabled)
        {
            await RoomApi.Problem(404, "host sign-in is off: the operator sets --host-password or --host-account").ExecuteAsync(ctx);
            return;
        }
        if (!Limited(ctx, out var retry))
        {
            await retry.ExecuteAsync(ctx);
            return;
        }
        var body = await RoomApi.ReadAsync(ctx, Json.HostSignIn);
        var name = body?.Password is { Length: > 0 and <= 256 } password ? options.Hosts.Check(body.Account, password) : null;
        if (name is null)
        {
            await RoomApi.Problem(401, "wrong name or password").ExecuteAsync(ctx);
            return;
        }
        ctx.Response.Cookies.Append(HostSessions.HostCookie, ctx.RequestServices.GetRequiredService<HostSessions>().Issue(name), new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = ctx.Request.IsHttps, Path = "/",
            MaxAge = options.Hosts.SessionLifetime,
        });
        await Results.Json(new HostSessionInfo(name), Json.HostSessionInfo).ExecuteAsync(ctx);
    }

    private static async Task OpenMeetingAsync(HttpContext ctx)
    {
        if (Host(ctx) is null)
        {
            await RoomApi.Problem(401, "sign in as a host to start a meeting").ExecuteAsync(ctx);
            return;
        }
        var body = await RoomApi.ReadAsync(ctx, Json.MeetingRequest) ?? new MeetingRequest(null, null);
        var room = string.IsNullOrWhiteSpace(body.Room) ? NewRoomName() : body.Room.Trim();
        if (!RoomName.IsValid(room))
        {
            await RoomApi.Problem(400, "'room' must be 1 to 128 characters").ExecuteAsync(ctx);
            return;
        }
        var lobby = body.Lobby ?? ctx.RequestServices.GetRequiredService<ServerOptions>().Hosts.Lobby;
        var reply = await Router(ctx).RequestAsync(new CreateRoomRequest(new RoomName(room), null, null, null) { Hosted = true, Lobby = lobby }, ctx.RequestAborted);
        if (reply.Room is null)
        {
            await RoomApi.Problem(503, reply.Problem ?? "the room could not be opened; try again").ExecuteAsync(ctx);
            return;
        }
        await Results.Json(new MeetingInfo(room, "/room/" + Uri.EscapeDataString(room), lobby), Json.MeetingInfo).ExecuteAsync(ctx);
    }

    private static async Task JoinAsync(HttpContext ctx)
    {
        var body = await RoomApi.ReadAsync(ctx, Json.JoinBody);
        if (body is null || !RoomName.IsValid(body.Room))
        {
            await RoomApi.Problem(400, "the body needs a 'room' of 1 to 128 characters").ExecuteAsync(ctx);
            return;
        }
        if (!Limited(ctx, out var retry))
        {
            await retry.ExecuteAsync(ctx);
            return;
        }
        var options = ctx.RequestServices.GetRequiredService<ServerOptions>();
        var sessions = ctx.RequestServices.GetRequiredService<HostSessions>();
        var room = new RoomName(body.Room!);
        var name = DisplayName(body.Name);
        if (Host(ctx) is { } host)
        {
            // A host opens the meeting by joining it (keeping its lobby setting if it is open already).
            await Router(ctx).RequestAsync(new CreateRoomRequest(room, null, null, null) { Hosted = true, Lobby = null }, ctx.RequestAborted);
            var identity = sessions.GuestIdentity("host", GuestId(ctx), room.Value);
            await Mint(ctx, room, identity, name ?? host, host: true).ExecuteAsync(ctx);
            return;
        }
        var guest = new ParticipantIdentity(sessions.GuestIdentity("guest", GuestId(ctx), room.Value));
        var knock = (await Router(ctx).RequestAsync(new KnockRequest(room, guest, name ?? "Guest"), ctx.RequestAborted)).Knock;
        if (knock is null or { Outcome: KnockOutcome.Unknown } && (options.Dev || options.Signaling.OpenRooms))
            knock = new KnockResult(KnockOutcome.Enter, null, guest, name ?? "Guest"); // open rooms: anyone may join any room
        await Answer(ctx, room, knock).ExecuteAsync(ctx);
    }

    private static async Task PollAsync(HttpContext ctx)
    {
        var body = await RoomApi.ReadAsync(ctx, Json.JoinBody);
        var ticket = ctx.Request.RouteValues["ticket"] as string;
        if (body is null || !RoomName.IsValid(body.Room) || ticket is not { Length: > 0 and <= 64 })
        {
            await RoomApi.Problem(400, "the body needs the 'room' the ticket is for").ExecuteAsync(ctx);
            return;
        }
        var room = new RoomName(body.Room!);
        var knock = (await Router(ctx).RequestAsync(new LobbyPollRequest(room, ticket), ctx.RequestAborted)).Knock;
        await Answer(ctx, room, knock, polling: true).ExecuteAsync(ctx);
    }

    /// <summary>Cancel on the waiting page: the guest leaves the lobby at once (else hosts see it until it stops asking).</summary>
    private static async Task LeaveLobbyAsync(HttpContext ctx)
    {
        var body = await RoomApi.ReadAsync(ctx, Json.JoinBody);
        var ticket = ctx.Request.RouteValues["ticket"] as string;
        if (body is null || !RoomName.IsValid(body.Room) || ticket is not { Length: > 0 and <= 64 })
        {
            await RoomApi.Problem(400, "the body needs the 'room' the ticket is for").ExecuteAsync(ctx);
            return;
        }
        await Router(ctx).RequestAsync(new LobbyLeaveRequest(new RoomName(body.Room!), ticket), ctx.RequestAborted);
        ctx.Response.StatusCode = 204; // gone either way: a ticket nobody waits with is no error to the person who left
    }

    private static IResult Answer(HttpContext ctx, RoomName room, KnockResult? knock, bool polling = false) => knock?.Outcome switch
    {
        KnockOutcome.Enter => Mint(ctx, room, knock.Identity!.Value.Value, knock.Name!, host: false),
        KnockOutcome.Wait => Results.Json(new JoinAnswer(Wait: knock.Ticket, Message: "Waiting for a host to let you in"), Json.JoinAnswer, statusCode: 202),
        KnockOutcome.Denied => RoomApi.Problem(403, "A host did not let you into this meeting."),
        KnockOutcome.Locked => RoomApi.Problem(403, "This meeting is locked. Ask a host to unlock it."),
        KnockOutcome.Full => RoomApi.Problem(429, "Too many people are waiting to join this meeting; try again in a minute."),
        _ => polling
            ? RoomApi.Problem(410, "You are no longer waiting to join; ask again.")
            : RoomApi.Problem(404, "This meeting has not started. The host starts it by opening the link; try again then."),
    };

    private static IResult Mint(HttpContext ctx, RoomName room, string identity, string name, bool host)
    {
        var options = ctx.RequestServices.GetRequiredService<ServerOptions>();
        var (key, secret) = TokenEndpoint.FirstKey(options);
        var grant = new VideoGrant { Room = room.Value, RoomJoin = true, RoomAdmin = host, CanUpdateOwnMetadata = true };
        var now = ctx.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        // A distinct jti: a token minted in the same second as one a host removed must not be taken for it.
        var token = AccessTokenBuilder.Create(key, secret, identity, grant, now, AccessTokenBuilder.DefaultTtl, name,
            tokenId: identity + "." + Sids.Random(8));
        return Results.Json(new JoinAnswer(token, identity, "/rtc", host), Json.JoinAnswer);
    }

    /// <summary>The signed-in host's name, or null.</summary>
    private static string? Host(HttpContext ctx) =>
        ctx.RequestServices.GetRequiredService<ServerOptions>().Hosts.Enabled
            ? ctx.RequestServices.GetRequiredService<HostSessions>().Verify(ctx.Request.Cookies[HostSessions.HostCookie])
            : null;

    /// <summary>This browser's guest id; a new one (and its cookie) when it has none.</summary>
    private static string GuestId(HttpContext ctx)
    {
        if (ctx.Request.Cookies[HostSessions.GuestCookie] is { Length: >= 16 and <= 64 } id) return id;
        id = HostSessions.NewGuestId();
        ctx.Response.Cookies.Append(HostSessions.GuestCookie, id, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = ctx.Request.IsHttps, Path = "/", MaxAge = TimeSpan.FromDays(365),
        });
        return id;
    }

    private static bool Limited(HttpContext ctx, out IResult refused)
    {
        refused = Results.Empty;
        if (ctx.RequestServices.GetRequiredKeyedService<TokenRateLimiter>("hosts").TryAcquire(ctx.Connection.RemoteIpAddress, out var retryAfter)) return true;
        var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
        ctx.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        refused = RoomApi.Problem(429, $"too many attempts from this address; try again in {seconds} s");
        return false;
    }

    private static string? DisplayName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        name = name.Trim();
        return name.Length > 64 ? name[..64] : name;
    }

    /// <summary>A meeting name that is easy to read out: three groups of letters (about 2^47 of them).</summary>
    private static string NewRoomName()
    {
        const string letters = "abcdefghijkmnopqrstuvwxyz";
        return RandomNumberGenerator.GetString(letters, 3) + "-" + RandomNumberGenerator.GetString(letters, 4) + "-" + RandomNumberGenerator.GetString(letters, 3);
    }

    private static IRoomRouter Router(HttpContext ctx) => ctx.RequestServices.GetRequiredService<IRoomRouter>();
}
