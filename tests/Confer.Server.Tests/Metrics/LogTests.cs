using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confer.Server.Tests.Cli;
using Confer.Server.Tests.Hosting;
using Confer.Signaling.Auth;
using Confer.Stun;
using static Confer.Server.Tests.Metrics.MetricsScrape;

namespace Confer.Server.Tests.Metrics;

/// <summary>
/// Issue 16, item 4: the log a real <c>confer serve</c> writes while clients join, message and relay through TURN:
/// JSON lines with the room in their scopes for log shippers, and never a secret or a token, even at Debug.
/// </summary>
public sealed partial class LogTests
{
    private const string ApiSecret = "log-audit-api-secret-0123456789abcdefABCDEF";
    private const string TurnSecret = "log-audit-turn-secret-0123456789abcdefABCDEF";
    private const string StaticPassword = "log-audit-static-password-0123456789";

    private static string Token(string identity) => AccessTokenBuilder.Create("auditkey", ApiSecret, identity,
        new VideoGrant { Room = "audited", RoomJoin = true }, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));

    private static ServeProcess Start(string[] extra, Dictionary<string, string>? environment = null)
    {
        var env = new Dictionary<string, string> { ["CONFER_KEYS"] = $"auditkey: {ApiSecret}" };
        foreach (var (k, v) in environment ?? []) env[k] = v;
        return ServeProcess.Start(
            ["--dev", "--http-port", "0", "--turn-port", "0", "--turn-tls-port", "0", "--turn-secret", TurnSecret, "--turn-user", $"static:{StaticPassword}", .. extra], env);
    }

    /// <summary>Two participants join, chat and send a bad frame; alice relays through TURN with her credential (after a wrong one) and the static user allocates; both leave.</summary>
    private static async Task<List<string>> ExerciseAsync(ServeProcess serve)
    {
        await serve.WaitListeningAsync(TimeSpan.FromSeconds(30));
        var http = new Uri($"http://127.0.0.1:{HttpLine().Match(serve.Stdout).Groups[1].Value}");
        var turn = new IPEndPoint(IPAddress.Loopback, int.Parse(TurnLine().Match(serve.Stdout).Groups[1].Value));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var tokens = new List<string> { Token("alice"), Token("bob") };
        var (alice, join) = await JoinAsync(http, tokens[0], cts.Token);
        var (bob, _) = await JoinAsync(http, tokens[1], cts.Token);
        using (alice)
        using (bob)
        {
            await SendAsync(bob, """{"type":"chat","text":"hello"}""", cts.Token);
            await SendAsync(bob, "{not json", cts.Token);
            var (user, credential) = TurnCredential(join);
            tokens.Add(credential);
            using (var wrong = new LongTermClient(turn, user, credential + "x"))
                Assert.Equal(401, await wrong.RequestAsync(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24)));
            using (var client = new LongTermClient(turn, user, credential)) await RelayAsync(client, count: 2);
            using (var staticUser = new LongTermClient(turn, "static", StaticPassword))
                Assert.Equal(200, await staticUser.RequestAsync(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24)));
            await bob.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
            await alice.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
        }
        // A token signed with another secret: refused, and the refusal logged without it.
        var forged = AccessTokenBuilder.Create("auditkey", "forged-secret-0123456789abcdef0123456789", "mallory",
            new VideoGrant { Room = "audited", RoomJoin = true }, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        tokens.Add(forged);
        using (var refused = new ClientWebSocket())
        {
            await refused.ConnectAsync(new Uri(new UriBuilder(http) { Scheme = "ws" }.Uri, $"/rtc?access_token={forged}"), cts.Token);
            Assert.Equal("leave", (await ReceiveAsync(refused, cts.Token)).GetProperty("type").GetString());
        }
        // A token in the query of a plain HTTP request too (the app's URL, /rtc/validate), as a browser might send it.
        using (var plain = new HttpClient { BaseAddress = http })
        {
            await plain.GetAsync($"/rtc/validate?access_token={tokens[0]}", cts.Token);
            await plain.GetAsync($"/room/audited?access_token={tokens[0]}", cts.Token);
        }
        await Task.Delay(500); // the leave lines
        return tokens;
    }

    [Fact]
    public async Task Logs_DebugThroughJoinChatAndRelay_NoSecretOrTokenAnywhere()
    {
        // Debug everywhere, ASP.NET included, the way an operator chasing a problem would set it.
        await using var serve = Start([], new()
        {
            ["Logging__LogLevel__Default"] = "Debug",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
            ["Logging__LogLevel__Microsoft"] = "Debug",
        });
        var secrets = await ExerciseAsync(serve);
        await serve.DisposeAsync();
        var log = serve.Stdout + serve.Stderr;

        // The log did capture the debug detail of the paths exercised, so the absence below means something.
        Assert.Contains("Received chat", log);
        Assert.Contains("joined audited", log);
        Assert.Matches(@"Allocation .* relays on .* for \d+:alice", log);
        Assert.Contains("static", log);
        Assert.Contains("Refused a signaling connection: signature does not match", log);
        foreach (var secret in secrets.Concat([ApiSecret, TurnSecret, StaticPassword]))
        {
            Assert.DoesNotContain(secret, log);
            foreach (var part in secret.Split('.').Where(p => p.Length >= 16)) Assert.DoesNotContain(part, log); // a JWT's signature alone
        }
        Assert.DoesNotContain("access_token=", log);
    }

    [Fact]
    public async Task Logs_JsonFormat_ParseableLinesWithRoomAndParticipantScopes()
    {
        await using var serve = Start(["--log-format", "json"]);
        await ExerciseAsync(serve);
        await serve.DisposeAsync();

        var lines = serve.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("confer:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lines);
        var entries = lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList(); // every log line is one JSON object
        var joined = entries.Where(e => e.GetProperty("Message").GetString()!.Contains("joined audited", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, joined.Count);
        foreach (var entry in joined)
        {
            Assert.Equal("Information", entry.GetProperty("LogLevel").GetString());
            var scopes = entry.GetProperty("Scopes").EnumerateArray().ToList();
            Assert.Contains(scopes, s => s.TryGetProperty("Room", out var room) && room.GetString() == "audited");
            Assert.Contains(scopes, s => s.TryGetProperty("Identity", out var id) && id.GetString() is "alice" or "bob");
        }
        var left = entries.Where(e => e.GetProperty("Message").GetString()!.Contains("left audited", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(left);
        Assert.All(left, e => Assert.Contains(e.GetProperty("Scopes").EnumerateArray(), s => s.TryGetProperty("Sid", out _)));
    }

    [GeneratedRegex(@"confer: HTTP on \S+?:(\d+): ")]
    private static partial Regex HttpLine();

    [GeneratedRegex(@"STUN/TURN on udp\+tcp [^\s]+:(\d+)")]
    private static partial Regex TurnLine();
}
