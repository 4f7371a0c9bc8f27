using Confer.Server.Hosting;
using Confer.Signaling.Auth;
using Confer.Signaling.Protocol;
using Confer.Signaling.Rooms;

namespace Confer.Server.Signaling;

/// <summary>
/// <c>POST /api/token</c>: mints a join token for the web app. Only in <c>--dev</c> or with <c>OpenRooms</c>,
/// where anyone who can reach the server may join any room; limited per source address (<see cref="TokenRateLimiter"/>).
/// </summary>
internal static class TokenEndpoint
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/api/token", async ctx =>
        {
            var options = ctx.RequestServices.GetRequiredService<ServerOptions>();
            if (!options.Dev && !options.Signaling.OpenRooms)
            {
                await RoomApi.Problem(404, "token minting is off; start with --dev or --open-rooms").ExecuteAsync(ctx);
                return;
            }
            if (!ctx.RequestServices.GetRequiredService<TokenRateLimiter>().TryAcquire(ctx.Connection.RemoteIpAddress, out var retryAfter))
            {
                ctx.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await RoomApi.Problem(429, $"too many tokens asked for from this address; try again in {(int)retryAfter.TotalSeconds} s").ExecuteAsync(ctx);
                return;
            }
            var body = await RoomApi.ReadAsync(ctx, ProtocolJsonContext.Default.ApiTokenRequest);
            if (body is null || !RoomName.IsValid(body.Room))
            {
                await RoomApi.Problem(400, "the body needs a 'room' of 1 to 128 characters").ExecuteAsync(ctx);
                return;
            }
            var name = string.IsNullOrWhiteSpace(body.Name) ? "guest" : body.Name.Trim();
            if (name.Length > 64) name = name[..64];
            var identity = $"{Slug(name)}-{Sids.Random(6)}";
            var (key, secret) = FirstKey(options);
            var grant = new VideoGrant { Room = body.Room, RoomJoin = true, CanUpdateOwnMetadata = true };
            var now = ctx.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
            var token = AccessTokenBuilder.Create(key, secret, identity, grant, now, AccessTokenBuilder.DefaultTtl, name);
            await Results.Json(new ApiTokenResponse(token, identity, "/rtc"), ProtocolJsonContext.Default.ApiTokenResponse).ExecuteAsync(ctx);
        });
    }

    /// <summary>The key (and its secret) every token the server mints itself is signed with: the first API key.</summary>
    internal static (string Key, string Secret) FirstKey(ServerOptions options)
    {
        var key = options.Signaling.Keys.Keys.First();
        options.Signaling.Keys.TryGetSecret(key, out var secret);
        return (key, secret);
    }

    private static string Slug(string name)
    {
        var chars = name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var slug = new string(chars).Trim('-');
        return slug.Length == 0 ? "guest" : slug;
    }
}
