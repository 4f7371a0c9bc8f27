using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confer.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Confer.Signaling.Tests.Support;

namespace Confer.Signaling.Tests.Server;

/// <summary>
/// Hosts and guests through the whole <c>confer</c> host (docs/protocol.md, "Hosts, the lobby and moderation"): a host
/// signs in and opens a meeting, a guest waits in the lobby until admitted, a locked meeting refuses guests, a removed
/// guest must be admitted again, and every moderation frame is the host's alone. Real HTTP with cookies, real WebSockets.
/// </summary>
public sealed class MeetingAccessTests : IAsyncLifetime
{
    private const string Password = "a-host-password-long-enough";
    private WebApplication _app = null!;
    private Uri _http = null!;

    public async Task InitializeAsync()
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0 };
        options.Signaling.Keys.Add("k", "a-long-enough-secret-of-32-characters");
        options.Hosts.Password = Password;
        options.Hosts.Accounts.Add("Grace: another-password-of-length");
        _app = ConferHost.Build(options);
        await _app.StartAsync();
        _http = ConferHost.HttpAddress(_app);
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>One browser: its own cookie jar.</summary>
    private HttpClient Browser() => new(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = _http };

    private Uri Ws => new UriBuilder(_http) { Scheme = "ws" }.Uri;

    private static async Task<JsonElement> JsonOf(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient c, string path, object body)
    {
        var r = await c.PostAsJsonAsync(path, body);
        return (r.StatusCode, await JsonOf(r));
    }

    private async Task<(HttpClient Browser, TestClient Client)> HostInAsync(string room, bool lobby)
    {
        var browser = Browser();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(browser, "/api/host/session", new { account = "Ada", password = Password })).Status);
        var meeting = await PostAsync(browser, "/api/meetings", new { room, lobby });
        Assert.Equal(HttpStatusCode.OK, meeting.Status);
        var join = await PostAsync(browser, "/api/join", new { room, name = "Ada" });
        Assert.True(join.Body.GetProperty("host").GetBoolean());
        var client = await TestClient.JoinAsync(Ws, join.Body.GetProperty("token").GetString()!);
        Assert.True(client.Join!.Value.GetProperty("participant").GetProperty("host").GetBoolean());
        return (browser, client);
    }

    private async Task<TestClient> GuestInAsync(HttpClient browser, string room, string name)
    {
        var (status, body) = await PostAsync(browser, "/api/join", new { room, name });
        Assert.Equal(HttpStatusCode.OK, status);
        return await TestClient.JoinAsync(Ws, body.GetProperty("token").GetString()!);
    }

    [Fact]
    public async Task SignIn_WrongPasswordIsRefused_AccountsAndTheSharedPasswordWork_AndOnlyHostsOpenMeetings()
    {
        using var browser = Browser();
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(browser, "/api/host/session", new { account = "Grace", password = "wrong" })).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(browser, "/api/meetings", new { })).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/host/session")).StatusCode);

        var signedIn = await PostAsync(browser, "/api/host/session", new { account = "grace", password = "another-password-of-length" });
        Assert.Equal("Grace", signedIn.Body.GetProperty("name").GetString());
        Assert.Equal("Grace", (await JsonOf(await browser.GetAsync("/api/host/session"))).GetProperty("name").GetString());
        var meeting = await PostAsync(browser, "/api/meetings", new { });
        Assert.Matches("^[a-z]{3}-[a-z]{4}-[a-z]{3}$", meeting.Body.GetProperty("room").GetString());
        Assert.True(meeting.Body.GetProperty("lobby").GetBoolean(), "the lobby is on by default");

        Assert.Equal(HttpStatusCode.NoContent, (await browser.DeleteAsync("/api/host/session")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(browser, "/api/meetings", new { })).Status);

        using var other = Browser();
        Assert.Equal("Ben", (await PostAsync(other, "/api/host/session", new { account = "Ben", password = Password })).Body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Guest_OfAMeetingNotStarted_IsToldSo_AndProductionHasNoOpenRooms()
    {
        using var guest = Browser();
        var (status, body) = await PostAsync(guest, "/api/join", new { room = "nobody-here", name = "Bob" });
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("has not started", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Guest_WaitsInTheLobby_HostSeesThemAndAdmits_GuestGetsAToken()
    {
        var (hostBrowser, host) = await HostInAsync("lobby-room", lobby: true);
        await using var hostGuard = host;
        using var browserGuard = hostBrowser;
        using var guest = Browser();
        var knock = await PostAsync(guest, "/api/join", new { room = "lobby-room", name = "Bob" });
        Assert.Equal(HttpStatusCode.Accepted, knock.Status);
        var ticket = knock.Body.GetProperty("wait").GetString()!;

        var lobby = await host.ExpectAsync("lobby");
        var waiting = Assert.Single(lobby.GetProperty("waiting").EnumerateArray());
        Assert.Equal("Bob", waiting.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(guest, $"/api/join/{ticket}", new { room = "lobby-room" })).Status);

        await host.SendAsync(new { type = "admit", guest = waiting.GetProperty("id").GetString() });
        Assert.Empty((await host.ExpectAsync("lobby")).GetProperty("waiting").EnumerateArray());
        var admitted = await PostAsync(guest, $"/api/join/{ticket}", new { room = "lobby-room" });
        Assert.Equal(HttpStatusCode.OK, admitted.Status);
        await using var bob = await TestClient.JoinAsync(Ws, admitted.Body.GetProperty("token").GetString()!);
        Assert.Equal("Bob", (await host.ExpectAsync("participantJoined")).GetProperty("participant").GetProperty("name").GetString());
        Assert.False(bob.Join!.Value.GetProperty("participant").TryGetProperty("host", out _));
        Assert.Equal(HttpStatusCode.Gone, (await PostAsync(guest, $"/api/join/{ticket}", new { room = "lobby-room" })).Status);
    }

    [Fact]
    public async Task Guest_WhoCancels_LeavesTheLobbyAtOnce_AndItsTicketIsGone()
    {
        var (hostBrowser, host) = await HostInAsync("cancel-room", lobby: true);
        await using var hostGuard = host;
        using var browserGuard = hostBrowser;
        using var guest = Browser();
        var ticket = (await PostAsync(guest, "/api/join", new { room = "cancel-room", name = "Bob" })).Body.GetProperty("wait").GetString()!;
        Assert.Single((await host.ExpectAsync("lobby")).GetProperty("waiting").EnumerateArray());

        var leave = await guest.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/join/{ticket}") { Content = JsonContent.Create(new { room = "cancel-room" }) });
        Assert.Equal(HttpStatusCode.NoContent, leave.StatusCode);
        Assert.Empty((await host.ExpectAsync("lobby")).GetProperty("waiting").EnumerateArray());
        Assert.Equal(HttpStatusCode.Gone, (await PostAsync(guest, $"/api/join/{ticket}", new { room = "cancel-room" })).Status);
        // Again, or with a ticket nobody holds: still 204, and nothing changes for the host.
        var again = await guest.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/join/{ticket}") { Content = JsonContent.Create(new { room = "cancel-room" }) });
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.True(await host.NoneAsync("lobby"));
        var bad = await guest.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/join/{ticket}") { Content = JsonContent.Create(new { room = "" }) });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task DeniedGuest_IsTold_AndAGuestCannotAdmitAnyone()
    {
        var (hostBrowser, host) = await HostInAsync("deny-room", lobby: true);
        await using var hostGuard = host;
        using var browserGuard = hostBrowser;
        using var firstBrowser = Browser();
        var first = await PostAsync(firstBrowser, "/api/join", new { room = "deny-room", name = "First" });
        var firstWaiting = Assert.Single((await host.ExpectAsync("lobby")).GetProperty("waiting").EnumerateArray());
        await host.SendAsync(new { type = "admit", guest = firstWaiting.GetProperty("id").GetString() });
        await host.ExpectAsync("lobby");
        var token = (await PostAsync(firstBrowser, $"/api/join/{first.Body.GetProperty("wait").GetString()}", new { room = "deny-room" })).Body.GetProperty("token").GetString()!;
        await using var firstClient = await TestClient.JoinAsync(Ws, token);

        using var secondBrowser = Browser();
        var second = await PostAsync(secondBrowser, "/api/join", new { room = "deny-room", name = "Second" });
        var waiting = Assert.Single((await host.ExpectAsync("lobby")).GetProperty("waiting").EnumerateArray());
        Assert.True(await firstClient.NoneAsync("lobby"), "guests do not see the lobby");
        await firstClient.SendAsync(new { type = "admit", guest = waiting.GetProperty("id").GetString() });
        Assert.Equal("permission_denied", (await firstClient.ExpectAsync("error")).GetProperty("code").GetString());

        await host.SendAsync(new { type = "deny", guest = waiting.GetProperty("id").GetString() });
        await host.ExpectAsync("lobby");
        var denied = await PostAsync(secondBrowser, $"/api/join/{second.Body.GetProperty("wait").GetString()}", new { room = "deny-room" });
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.Contains("did not let you", denied.Body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task LockedMeeting_RefusesGuests_RemovedGuestMustBeAdmittedAgain()
    {
        var (hostBrowser, host) = await HostInAsync("lock-room", lobby: false);
        await using var hostGuard = host;
        using var browserGuard = hostBrowser;
        using var bobBrowser = Browser();
        var bob = await GuestInAsync(bobBrowser, "lock-room", "Bob");
        var bobIdentity = bob.Join!.Value.GetProperty("participant").GetProperty("identity").GetString()!;

        await bob.SendAsync(new { type = "removeParticipant", identity = host.Join!.Value.GetProperty("participant").GetProperty("identity").GetString() });
        Assert.Equal("permission_denied", (await bob.ExpectAsync("error")).GetProperty("code").GetString());

        await host.SendAsync(new { type = "removeParticipant", identity = bobIdentity });
        var (code, reason) = await bob.WaitClosedAsync();
        Assert.Equal(4006, code);
        Assert.Contains("removed by a host", reason);
        await bob.DisposeAsync();
        var back = await PostAsync(bobBrowser, "/api/join", new { room = "lock-room", name = "Bob" });
        Assert.Equal(HttpStatusCode.Accepted, back.Status); // the room has no lobby, but Bob must be admitted again

        await host.SendAsync(new { type = "lockRoom", locked = true });
        Assert.True((await host.ExpectAsync("roomUpdated")).GetProperty("room").GetProperty("locked").GetBoolean());
        using var carol = Browser();
        var refused = await PostAsync(carol, "/api/join", new { room = "lock-room", name = "Carol" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("locked", refused.Body.GetProperty("error").GetString());

        // Admitted from the lobby, Bob may join although the room is locked.
        var waiting = Assert.Single((await host.ExpectAsync("lobby")).GetProperty("waiting").EnumerateArray());
        await host.SendAsync(new { type = "admit", guest = waiting.GetProperty("id").GetString() });
        Assert.Empty((await host.ExpectAsync("lobby")).GetProperty("waiting").EnumerateArray()); // the admit has been taken
        var admitted = await PostAsync(bobBrowser, $"/api/join/{back.Body.GetProperty("wait").GetString()}", new { room = "lock-room" });
        Assert.Equal(HttpStatusCode.OK, admitted.Status);
        await using var bobAgain = await TestClient.JoinAsync(Ws, admitted.Body.GetProperty("token").GetString()!);
        Assert.Equal(bobIdentity, bobAgain.Join!.Value.GetProperty("participant").GetProperty("identity").GetString());
    }

    [Fact]
    public async Task HostModeration_MuteAskUnmuteMakeHostAndEnd()
    {
        var (hostBrowser, host) = await HostInAsync("mod-room", lobby: false);
        await using var hostGuard = host;
        using var browserGuard = hostBrowser;
        using var bobBrowser = Browser();
        await using var bob = await GuestInAsync(bobBrowser, "mod-room", "Bob");
        var bobIdentity = bob.Join!.Value.GetProperty("participant").GetProperty("identity").GetString()!;
        await bob.SendAsync(new { type = "publishTrack", cid = "mic", kind = "audio", source = "microphone" });
        var mic = (await bob.ExpectAsync("trackPublished")).GetProperty("track").GetProperty("sid").GetString();

        await bob.SendAsync(new { type = "muteParticipant", identity = bobIdentity });
        Assert.Equal("permission_denied", (await bob.ExpectAsync("error")).GetProperty("code").GetString());

        await host.SendAsync(new { type = "muteParticipant", identity = bobIdentity });
        var muted = await bob.ExpectAsync("trackMuted");
        Assert.Equal(mic, muted.GetProperty("trackSid").GetString());
        Assert.True(muted.GetProperty("muted").GetBoolean());

        await host.SendAsync(new { type = "askUnmute", identity = bobIdentity, trackSid = mic });
        var ask = await bob.ExpectAsync("unmuteRequest");
        Assert.Equal(host.Sid, ask.GetProperty("from").GetString());

        await host.SendAsync(new { type = "makeHost", identity = bobIdentity });
        Assert.True((await bob.ExpectAsync("participantUpdated")).GetProperty("participant").GetProperty("host").GetBoolean());
        await bob.SendAsync(new { type = "endMeeting" });
        var (code, reason) = await host.WaitClosedAsync();
        Assert.Equal(4007, code);
        Assert.Contains("ended the meeting", reason);
    }
}
