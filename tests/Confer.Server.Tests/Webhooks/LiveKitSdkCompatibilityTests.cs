using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Confer.Server.Hosting;

namespace Confer.Server.Tests.Webhooks;

/// <summary>
/// The compatibility proof: what Confer posts is verified and parsed by LiveKit's own server SDK for Node
/// (<c>livekit-server-sdk</c>'s <c>WebhookReceiver</c>, version pinned in node/package.json; test.sh runs
/// <c>npm ci</c> there), with the same key and secret; a tampered body is rejected.
/// </summary>
public sealed class LiveKitSdkCompatibilityTests
{
    private static string NodeDir([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "node");

    /// <summary>Runs node/verify.mjs on (body, Authorization) pairs; one JSON result per pair.</summary>
    private static async Task<JsonElement[]> VerifyWithLiveKitAsync(IEnumerable<(string Body, string? Auth)> requests)
    {
        var dir = NodeDir();
        Assert.True(Directory.Exists(Path.Combine(dir, "node_modules", "livekit-server-sdk")),
            $"livekit-server-sdk is not installed: run `npm ci` in {dir} (test.sh does)");
        var start = new ProcessStartInfo("node", "verify.mjs")
        {
            WorkingDirectory = dir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["WEBHOOK_API_KEY"] = WebhookTestHost.Key;
        start.Environment["WEBHOOK_API_SECRET"] = WebhookTestHost.Secret;
        using var node = Process.Start(start)!;
        var input = JsonSerializer.Serialize(requests.Select(r => new { body = r.Body, auth = r.Auth }));
        await node.StandardInput.WriteAsync(input);
        node.StandardInput.Close();
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await node.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { node.Kill(); throw new TimeoutException("node verify.mjs took over 30 s"); }
        Assert.True(node.ExitCode == 0, $"node failed ({node.ExitCode}): {await stderr}");
        return [.. JsonDocument.Parse(await stdout).RootElement.EnumerateArray()];
    }

    [Fact]
    public async Task LiveKitWebhookReceiver_VerifiesAndParsesConferWebhooks_AndRejectsTamperedOnes()
    {
        await using var receiver = await HookReceiver.StartAsync();
        await using var app = await WebhookTestHost.StartAsync([receiver.Url]);
        var http = ConferHost.HttpAddress(app);
        var alice = await RtcClient.JoinAsync(http, WebhookTestHost.Token("sdk-room", "alice", "Alice", "meta-a"));
        var track = await alice.PublishAsync("screen-1", "video", "screen_share", "slides");
        await alice.UnpublishAsync(track);
        await alice.ExpectAsync("trackUnpublished");
        await alice.LeaveAsync();
        var got = await receiver.WaitAsync(r => r.Any(x => x.Event == "room_finished"));
        Assert.Equal(6, got.Count);

        var first = got[0];
        var tampered = new List<(string, string?)>
        {
            (first.Body.Replace("sdk-room", "sdk-roon", StringComparison.Ordinal), first.Authorization), // body changed
            (got[1].Body, first.Authorization),                                                             // another event's signature
            (first.Body, first.Authorization![..^3] + (first.Authorization[^3] == 'A' ? "BBB" : "AAA")),   // signature changed
        };
        var results = await VerifyWithLiveKitAsync(got.Select(r => (r.Body, r.Authorization)).Concat(tampered));

        for (int i = 0; i < got.Count; i++)
        {
            Assert.True(results[i].GetProperty("ok").GetBoolean(), $"LiveKit's SDK refused {got[i].Event}: {results[i]}");
            var e = results[i].GetProperty("event");
            Assert.Equal(got[i].Event, e.GetProperty("event").GetString());
            Assert.Equal(got[i].Id, e.GetProperty("id").GetString());
            Assert.Equal(got[i].Json.GetProperty("createdAt").GetString(), e.GetProperty("createdAt").GetString());
            Assert.Equal("sdk-room", e.GetProperty("room").GetProperty("name").GetString());
            Assert.Equal(got[0].Json.Get("room.sid").GetString(), e.GetProperty("room").GetProperty("sid").GetString());
        }
        Assert.Equal(["room_started", "participant_joined", "track_published", "track_unpublished", "participant_left", "room_finished"],
            results.Take(6).Select(r => r.GetProperty("event").GetProperty("event").GetString()));
        var joined = results[1].GetProperty("event").GetProperty("participant");
        Assert.Equal("alice", joined.GetProperty("identity").GetString());
        Assert.Equal("Alice", joined.GetProperty("name").GetString());
        Assert.Equal("meta-a", joined.GetProperty("metadata").GetString());
        Assert.Equal(alice.Sid, joined.GetProperty("sid").GetString());
        Assert.Equal(2, joined.GetProperty("state").GetInt32()); // ParticipantInfo.State ACTIVE
        var published = results[2].GetProperty("event");
        Assert.Equal(track, published.GetProperty("track").GetProperty("sid").GetString());
        Assert.Equal(1, published.GetProperty("track").GetProperty("type").GetInt32());   // TrackType VIDEO
        Assert.Equal(3, published.GetProperty("track").GetProperty("source").GetInt32()); // TrackSource SCREEN_SHARE
        Assert.Equal("slides", published.GetProperty("track").GetProperty("name").GetString());
        Assert.Equal(1, published.GetProperty("participant").GetProperty("tracks").GetInt32());
        Assert.Equal(3, results[4].GetProperty("event").GetProperty("participant").GetProperty("state").GetInt32()); // DISCONNECTED

        foreach (var rejected in results.Skip(6))
            Assert.False(rejected.GetProperty("ok").GetBoolean(), $"LiveKit's SDK accepted a tampered webhook: {rejected}");
        Assert.Contains("sha256", results[6].GetProperty("error").GetString());
        Assert.Contains("sha256", results[7].GetProperty("error").GetString());
    }
}
