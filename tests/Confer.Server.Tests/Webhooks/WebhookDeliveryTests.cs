using System.Text.Json;
using Confer.Server.Hosting;
using Microsoft.AspNetCore.Builder;

namespace Confer.Server.Tests.Webhooks;

/// <summary>Room events reach a real HTTP receiver as LiveKit-shaped, signed webhooks, in order per room, retried when it fails.</summary>
public sealed class WebhookDeliveryTests
{
    private static readonly string[] Lifecycle =
    [
        "room_started", "participant_joined alice", "track_published alice", "participant_joined bob",
        "track_unpublished alice", "participant_left alice", "participant_left bob", "room_finished",
    ];

    /// <summary>alice joins, publishes a camera, bob joins, alice unpublishes, both leave: the room's whole life.</summary>
    private static async Task MeetingAsync(Uri http, string room)
    {
        var alice = await RtcClient.JoinAsync(http, WebhookTestHost.Token(room, "alice", "Alice A.", """{"team":"red"}"""));
        var track = await alice.PublishAsync("cam-1", "video", "camera", "my camera");
        var bob = await RtcClient.JoinAsync(http, WebhookTestHost.Token(room, "bob"));
        await alice.UnpublishAsync(track);
        await alice.ExpectAsync("trackUnpublished");
        await alice.LeaveAsync();
        await bob.ExpectAsync("participantLeft");
        await bob.LeaveAsync();
    }

    [Fact]
    public async Task Webhooks_TwoMeetings_ArriveInOrderPerRoomSignedAndShapedLikeLiveKit()
    {
        await using var receiver = await HookReceiver.StartAsync();
        await using var app = await WebhookTestHost.StartAsync([receiver.Url]);
        var http = ConferHost.HttpAddress(app);

        await Task.WhenAll(MeetingAsync(http, "standup"), MeetingAsync(http, "retro"));
        var got = await receiver.WaitAsync(r => r.Count(x => x.Event == "room_finished") == 2);

        Assert.Equal(Lifecycle, WebhookTestHost.Sequence(got, "standup"));
        Assert.Equal(Lifecycle, WebhookTestHost.Sequence(got, "retro"));
        Assert.Equal(got.Count, got.Select(r => r.Id).Distinct().Count());
        foreach (var request in got)
        {
            Assert.Equal("application/webhook+json", request.ContentType);
            Assert.Null(await WebhookTestHost.VerifyAsync(request, request.Body));
            var j = request.Json;
            Assert.True(long.Parse(j.Get("createdAt").GetString()!) > DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds());
            Assert.StartsWith("RM_", j.Get("room.sid").GetString());
            Assert.StartsWith("EV_", request.Id);
        }
        var standup = got.Where(r => r.RoomName == "standup").ToList();
        Assert.Single(standup.Select(r => r.Json.Get("room.sid").GetString()).Distinct());
        var joined = standup[1].Json;
        Assert.Equal("alice", joined.Get("participant.identity").GetString());
        Assert.Equal("Alice A.", joined.Get("participant.name").GetString());
        Assert.Equal("""{"team":"red"}""", joined.Get("participant.metadata").GetString());
        Assert.Equal("ACTIVE", joined.Get("participant.state").GetString());
        Assert.StartsWith("PA_", joined.Get("participant.sid").GetString());
        Assert.Equal(1, joined.Get("room.numParticipants").GetInt32());
        var published = standup[2].Json;
        Assert.Equal("VIDEO", published.Get("track.type").GetString());
        Assert.Equal("CAMERA", published.Get("track.source").GetString());
        Assert.Equal("my camera", published.Get("track.name").GetString());
        Assert.StartsWith("TR_", published.Get("track.sid").GetString());
        Assert.Equal(1, published.Get("participant.tracks").GetArrayLength());
        var left = standup[5].Json;
        Assert.Equal("DISCONNECTED", left.Get("participant.state").GetString());
        Assert.Equal("CLIENT_INITIATED", left.Get("participant.disconnectReason").GetString());

        var metrics = WebhookTestHost.Metrics(app);
        Assert.Equal(16, metrics.DeliveredCount);
        Assert.Equal(0, metrics.FailedCount);
        Assert.Equal(0, metrics.QueuedCount);
        using var client = new HttpClient { BaseAddress = http };
        var text = await client.GetStringAsync("/metrics");
        foreach (var name in new[] { "confer_webhooks_delivered_total", "confer_webhooks_failed_total{reason=\"timeout\"}", "confer_webhooks_dropped_total{reason=\"overflow\"}", "confer_webhooks_queued " })
            Assert.Contains(name, text);
    }

    [Fact]
    public async Task Webhooks_ReceiverFailsFirst_RetriedAndStillInOrder()
    {
        // 500, 500, then a request it never answers in time (the sender's timeout), then 200 for everything.
        await using var receiver = await HookReceiver.StartAsync(async (i, abort) =>
        {
            if (i < 2) return 500;
            if (i == 2) { await Task.Delay(TimeSpan.FromSeconds(30), abort); return 200; }
            return 200;
        });
        await using var app = await WebhookTestHost.StartAsync([receiver.Url], o => o.RequestTimeout = TimeSpan.FromMilliseconds(500));
        var http = ConferHost.HttpAddress(app);

        await MeetingAsync(http, "flaky");
        var got = await receiver.WaitAsync(r => r.Any(x => x.Event == "room_finished"));

        Assert.Equal(Lifecycle, WebhookTestHost.Sequence(got, "flaky"));
        var all = receiver.Requests;
        Assert.Equal([500, 500, 499], all.Take(3).Select(r => r.Status));
        // The first event was sent four times, the same event (same id, same body) each time.
        Assert.Single(all.Take(4).Select(r => r.Id).Distinct());
        Assert.Equal("room_started", all[3].Event);
        foreach (var request in got) Assert.Null(await WebhookTestHost.VerifyAsync(request, request.Body));
        var metrics = WebhookTestHost.Metrics(app);
        Assert.Equal(3, metrics.FailedCount);
        Assert.Equal(0, metrics.DroppedCount);
        Assert.Equal(Lifecycle.Length, metrics.DeliveredCount);
    }

    [Fact]
    public async Task Webhooks_Shutdown_DeliversTheLastEventsOfOpenRooms()
    {
        await using var receiver = await HookReceiver.StartAsync();
        var app = await WebhookTestHost.StartAsync([receiver.Url]);
        var http = ConferHost.HttpAddress(app);
        var carol = await RtcClient.JoinAsync(http, WebhookTestHost.Token("late", "carol"));
        await receiver.WaitAsync(r => r.Any(x => x.Event == "participant_joined"));

        await app.StopAsync();
        var got = await receiver.WaitAsync(r => r.Any(x => x.Event == "room_finished"), timeoutMs: 1000);
        Assert.Equal(["room_started", "participant_joined carol", "participant_left carol", "room_finished"], WebhookTestHost.Sequence(got, "late"));
        Assert.Equal("SIGNAL_CLOSE", got[2].Json.Get("participant.disconnectReason").GetString());
        await carol.DisposeAsync();
        await app.DisposeAsync();
    }

    [Fact]
    public async Task Webhooks_ShutdownWithAHangingReceiver_GivesUpAfterTheDrainTimeAndCounts()
    {
        await using var receiver = await HookReceiver.StartAsync(async (_, abort) => { await Task.Delay(TimeSpan.FromMinutes(1), abort); return 200; });
        var app = await WebhookTestHost.StartAsync([receiver.Url], o =>
        {
            o.RequestTimeout = TimeSpan.FromMinutes(1);
            o.DrainTimeout = TimeSpan.FromMilliseconds(500);
        });
        var dave = await RtcClient.JoinAsync(ConferHost.HttpAddress(app), WebhookTestHost.Token("stuck", "dave"));
        var metrics = WebhookTestHost.Metrics(app);
        var deadline = Environment.TickCount64 + 5000;
        while (receiver.Count == 0 && Environment.TickCount64 < deadline) await Task.Delay(10);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await app.StopAsync();
        watch.Stop();

        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(4));
        Assert.Equal(0, metrics.DeliveredCount);
        Assert.Equal(4, metrics.DroppedCount); // room_started (in flight), participant_joined, participant_left, room_finished
        Assert.Equal(0, metrics.QueuedCount);
        await dave.DisposeAsync();
        await app.DisposeAsync();
    }
}
