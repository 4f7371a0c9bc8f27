using System.CommandLine;
using Confer.Signaling.Auth;

namespace Confer.Server.Cli;

/// <summary><c>confer token create</c>: prints an access token (no server needed).</summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var api = new ApiFlags(withUrl: false);
        var room = new Option<string>("--room") { Description = "Room the token joins.", Required = true };
        var identity = new Option<string>("--identity") { Description = "Participant identity (unique in the room).", Required = true };
        var name = new Option<string?>("--name") { Description = "Display name." };
        var metadata = new Option<string?>("--metadata") { Description = "Participant metadata (any string, often JSON)." };
        var ttl = new Option<string>("--ttl") { Description = "Lifetime, e.g. 6h, 30m, 90s, 1d.", DefaultValueFactory = _ => "6h" };
        var grants = new Option<string[]>("--grant") { Description = "Grant setting name=value, e.g. canPublish=false (repeatable)." };

        var create = new Command("create", "Print an access token for joining a room.") { room, identity, name, metadata, ttl, grants };
        api.AddTo(create);
        create.SetAction(async (parse, _) =>
        {
            if (api.Credentials(parse) is not var (key, secret)) return await Fail("--api-key and --api-secret are required (or CONFER_API_KEY/CONFER_API_SECRET).");
            if (ParseTtl(parse.GetValue(ttl)!) is not { } lifetime) return await Fail($"--ttl '{parse.GetValue(ttl)}' is not a duration like 6h, 30m or 90s.");
            var grant = new VideoGrant { Room = parse.GetValue(room), RoomJoin = true };
            foreach (var setting in parse.GetValue(grants) ?? [])
                if (grant.Apply(setting) is { } problem) return await Fail(problem);
            Console.WriteLine(AccessTokenBuilder.Create(key, secret, parse.GetValue(identity), grant, DateTimeOffset.UtcNow, lifetime,
                parse.GetValue(name), parse.GetValue(metadata)));
            return 0;
        });
        return new Command("token", "Access tokens.") { create };
    }

    internal static TimeSpan? ParseTtl(string text)
    {
        text = text.Trim();
        if (text.Length >= 2 && double.TryParse(text[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            return text[^1] switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => null,
            };
        }
        return TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var t) && t > TimeSpan.Zero ? t : null;
    }

    internal static async Task<int> Fail(string message)
    {
        await Console.Error.WriteLineAsync($"confer: {message}");
        return 2;
    }
}
