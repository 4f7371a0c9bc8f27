using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Confer.Signaling.Auth;
using Confer.Signaling.Tests.Support;

namespace Confer.Signaling.Tests.Server;

public sealed class RoomApiTests
{
    private static HttpClient Client(TestServer server, Action<VideoGrant> grant, string room = "")
    {
        var http = new HttpClient { BaseAddress = server.Http };
        var g = new VideoGrant { Room = room };
        grant(g);
        var token = AccessTokenBuilder.Create(TestServer.Key, TestServer.Secret, null, g, server.Time.GetUtcNow(), TimeSpan.FromMinutes(10));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    [Fact]
    public async Task Rooms_CreateListDelete()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = Client(server, g => { g.RoomCreate = true; g.RoomList = true; });

        var created = await admin.PostAsJsonAsync("/api/rooms", new { name = "standup", maxParticipants = 5, emptyTimeout = 60 });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var info = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("standup", info.GetProperty("name").GetString());
        Assert.Equal(5, info.GetProperty("maxParticipants").GetInt32());

        var list = JsonDocument.Parse(await admin.GetStringAsync("/api/rooms")).RootElement.GetProperty("rooms");
        Assert.Equal("standup", list[0].GetProperty("name").GetString());

        await using var alice = await server.JoinAsync("standup", "alice");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/rooms/standup")).StatusCode);
        var (code, _) = await alice.WaitClosedAsync();
        Assert.Equal(4007, code);
        await server.AssertEmptyAsync();
        Assert.Equal(0, server.Rooms.RoomCount);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("/api/rooms/standup")).StatusCode);
    }

    [Fact]
    public async Task Room_CreatedByApi_ClosesAfterItsEmptyTimeout()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = Client(server, g => g.RoomCreate = true);
        await admin.PostAsJsonAsync("/api/rooms", new { name = "later", emptyTimeout = 60 });
        server.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(1, server.Rooms.RoomCount);
        server.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, server.Rooms.RoomCount);
    }

    [Fact]
    public async Task Participants_ListRemoveMuteAndData()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = Client(server, g => g.RoomAdmin = true, room: "r");
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");
        await alice.SendAsync(new { type = "publishTrack", cid = "mic", kind = "audio", source = "microphone" });
        var trackSid = (await alice.ExpectAsync("trackPublished")).GetProperty("track").GetProperty("sid").GetString();

        var list = JsonDocument.Parse(await admin.GetStringAsync("/api/rooms/r/participants")).RootElement.GetProperty("participants");
        Assert.Equal(2, list.GetArrayLength());

        var mute = await admin.PostAsJsonAsync("/api/rooms/r/participants/alice/mute", new { trackSid, muted = true });
        Assert.Equal(HttpStatusCode.OK, mute.StatusCode);
        Assert.True((await alice.ExpectAsync("trackMuted")).GetProperty("muted").GetBoolean());
        Assert.True((await bob.ExpectAsync("trackMuted")).GetProperty("muted").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("/api/rooms/r/data", new { payload = "server says hi" })).StatusCode);
        var data = await bob.ExpectAsync("data");
        Assert.Equal("server says hi", data.GetProperty("payload").GetString());
        Assert.False(data.TryGetProperty("from", out _));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/rooms/r/participants/bob")).StatusCode);
        var (code, _) = await bob.WaitClosedAsync();
        Assert.Equal(4006, code);
        Assert.Equal("removed", (await alice.ExpectAsync("participantLeft")).GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("/api/rooms/r/participants/bob")).StatusCode);
    }

    [Fact]
    public async Task Api_WithoutBearerOrGrant_IsRefused()
    {
        await using var server = await TestServer.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = server.Http };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/rooms")).StatusCode);

        using var joiner = Client(server, g => g.RoomJoin = true, room: "r");
        Assert.Equal(HttpStatusCode.Forbidden, (await joiner.GetAsync("/api/rooms")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await joiner.DeleteAsync("/api/rooms/r")).StatusCode);

        using var otherAdmin = Client(server, g => g.RoomAdmin = true, room: "other");
        var response = await otherAdmin.GetAsync("/api/rooms/r/participants");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("another room", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Api_BadBody_Is400()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = Client(server, g => g.RoomCreate = true);
        var response = await admin.PostAsync("/api/rooms", new StringContent("{nope", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, server.Rooms.RoomCount);
    }
}
