using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Confer.Signaling.Auth;
using Confer.Signaling.Tests.Support;

namespace Confer.Signaling.Tests.Server;

/// <summary>
/// Issue 13 items 5 and 11 over real sockets: what a join hands out and who may ask for one. TURN credentials
/// expire within hours and are made afresh on resume, <c>/api/token</c> is limited per source address, and a
/// participant removed by the server API cannot come back with the same token.
/// </summary>
public sealed class JoinCredentialTests
{
    [Fact]
    public async Task RemovedParticipant_SameTokenRefused_NewTokenJoins()
    {
        await using var server = await TestServer.StartAsync();
        using var admin = new HttpClient { BaseAddress = server.Http };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            AccessTokenBuilder.Create(TestServer.Key, TestServer.Secret, null, new VideoGrant { Room = "r", RoomAdmin = true },
                server.Time.GetUtcNow(), TimeSpan.FromMinutes(10)));
        await using var bob = await server.JoinAsync("r", "bob");
        var token = server.Token("r", "mallory", ttl: TimeSpan.FromHours(6));
        await using var mallory = await TestClient.JoinAsync(server, token);
        await bob.ExpectAsync("participantJoined");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/rooms/r/participants/mallory")).StatusCode);
        Assert.Equal(4006, (await mallory.WaitClosedAsync()).Code);
        Assert.Equal("removed", (await bob.ExpectAsync("participantLeft")).GetProperty("reason").GetString());

        await using var again = await TestClient.ConnectAsync(server, token);
        var (code, reason) = await again.WaitClosedAsync();
        Assert.Equal(4006, code);
        Assert.StartsWith("removed", reason);
        Assert.True(await bob.NoneAsync("participantJoined"));
        Assert.Equal(1, server.Rooms.ParticipantCount);

        // The room may close and be made again: the token is still refused.
        await bob.SendAsync(new { type = "leave" });
        await server.AssertEmptyAsync();
        server.Time.Advance(TimeSpan.FromMinutes(1));
        await using var later = await TestClient.ConnectAsync(server, token);
        Assert.Equal(4006, (await later.WaitClosedAsync()).Code);

        // The application can let the identity back in with a new token.
        await using var readmitted = await TestClient.JoinAsync(server, server.Token("r", "mallory"));
        Assert.Equal(1, server.Rooms.ParticipantCount);
    }

    [Fact]
    public async Task TurnCredentials_ExpireWithinTheirLifetime_FreshOnResume()
    {
        await using var server = await TestServer.StartAsync(); // TurnCredentialLifetime 4 h by default
        var joinedAt = server.Time.GetUtcNow();
        await using var alice = await TestClient.JoinAsync(server, server.Token("r", "alice", ttl: TimeSpan.FromDays(30)));
        var first = TurnExpiry(alice.Join!.Value, "alice");
        Assert.Equal(joinedAt.AddHours(4).ToUnixTimeSeconds(), first);

        var lastSeen = alice.LastSeen;
        alice.Drop();
        await TestServer.EventuallyAsync(() => server.Rooms.IsConnected(new("r"), "alice") == false, "alice to be detached");
        server.Time.Advance(TimeSpan.FromSeconds(15));
        await using var resumed = await TestClient.ConnectAsync(server, server.Token("r", "alice", ttl: TimeSpan.FromDays(30)),
            $"&resume={alice.ResumeToken}&lastSeen={lastSeen}");
        var second = TurnExpiry(await resumed.ExpectAsync("resumed"), "alice");
        Assert.Equal(first + 15, second);
    }

    [Fact]
    public async Task TurnCredentials_NeverOutliveTheToken_LifetimeConfigurable()
    {
        await using var server = await TestServer.StartAsync(o => o.TurnCredentialLifetime = TimeSpan.FromMinutes(30));
        var now = server.Time.GetUtcNow();
        await using var shortToken = await TestClient.JoinAsync(server, server.Token("r", "brief", ttl: TimeSpan.FromMinutes(10)));
        Assert.Equal(now.AddMinutes(10).ToUnixTimeSeconds(), TurnExpiry(shortToken.Join!.Value, "brief"));
        await using var longToken = await TestClient.JoinAsync(server, server.Token("r", "long", ttl: TimeSpan.FromDays(1)));
        Assert.Equal(now.AddMinutes(30).ToUnixTimeSeconds(), TurnExpiry(longToken.Join!.Value, "long"));
    }

    [Fact]
    public void TurnCredentialLifetime_UnderAMinute_RefusedAtStart()
    {
        var options = new SignalingOptions { TurnCredentialLifetime = TimeSpan.FromSeconds(5) };
        Assert.Contains("TurnCredentialLifetime", options.Validate());
    }

    [Fact]
    public async Task TokenEndpoint_LimitedPerSourceAddress_429WithRetryAfter()
    {
        await using var server = await TestServer.StartAsync(o => { o.OpenRooms = true; o.TokenRequestsPerMinute = 3; });
        using var first = ClientFrom(server, IPAddress.Loopback);
        using var second = ClientFrom(server, IPAddress.Parse("127.0.0.2"));

        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await first.PostAsJsonAsync("/api/token", new { room = "r", name = "a" })).StatusCode);
        var refused = await first.PostAsJsonAsync("/api/token", new { room = "r", name = "a" });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(20), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("too many", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());

        // Another address has its own allowance.
        Assert.Equal(HttpStatusCode.OK, (await second.PostAsJsonAsync("/api/token", new { room = "r", name = "b" })).StatusCode);

        server.Time.Advance(TimeSpan.FromSeconds(20)); // one token back (3 a minute)
        Assert.Equal(HttpStatusCode.OK, (await first.PostAsJsonAsync("/api/token", new { room = "r", name = "a" })).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await first.PostAsJsonAsync("/api/token", new { room = "r", name = "a" })).StatusCode);
    }

    /// <summary>The expiry (unix seconds) in the TURN REST username "expiry:identity" of a join or resumed frame.</summary>
    private static long TurnExpiry(JsonElement frame, string identity)
    {
        var turn = frame.GetProperty("iceServers").EnumerateArray().Single(s => s.TryGetProperty("username", out _));
        var parts = turn.GetProperty("username").GetString()!.Split(':');
        Assert.Equal(identity, parts[1]);
        return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>An HTTP client whose connections come from <paramref name="source"/> (any 127.0.0.0/8 address is loopback).</summary>
    private static HttpClient ClientFrom(TestServer server, IPAddress source) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint.Host == "localhost" ? new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port)
                    : new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    }) { BaseAddress = server.Http };
}
