using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confer.Server.Hosting;
using Confer.Signaling.Tests.Support;

namespace Confer.Signaling.Tests.Server;

/// <summary>The real <c>confer serve</c> host (<see cref="ConferHost"/>) with its system clock.</summary>
public sealed class HostTests
{
    [Fact]
    public async Task DevHost_TokenEndpointThenJoin()
    {
        var options = new ServerOptions { Dev = true, Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0 };
        await using var app = ConferHost.Build(options);
        await app.StartAsync();
        var http = ConferHost.HttpAddress(app);
        using var client = new HttpClient { BaseAddress = http };

        var response = await client.PostAsJsonAsync("/api/token", new { room = "team-sync", name = "Alice Smith" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var identity = body.GetProperty("identity").GetString()!;
        Assert.StartsWith("alice-smith-", identity);
        Assert.False(string.IsNullOrEmpty(options.TurnSecret));

        using var ws = new System.Net.WebSockets.ClientWebSocket();
        var uri = new UriBuilder(http) { Scheme = "ws", Path = "/rtc", Query = $"access_token={body.GetProperty("token").GetString()}" }.Uri;
        await ws.ConnectAsync(uri, CancellationToken.None);
        var buffer = new byte[64 * 1024];
        var r = await ws.ReceiveAsync(buffer, CancellationToken.None);
        var join = JsonDocument.Parse(buffer.AsMemory(0, r.Count)).RootElement;
        Assert.Equal("join", join.GetProperty("type").GetString());
        Assert.Equal(identity, join.GetProperty("participant").GetProperty("identity").GetString());
        await ws.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        await app.StopAsync();
    }

    [Fact]
    public async Task ProductionHost_TokenEndpointIsOff()
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0 };
        options.Signaling.Keys.Add("k", "a-long-enough-secret-of-32-characters");
        await using var app = ConferHost.Build(options);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = ConferHost.HttpAddress(app) };
        var response = await client.PostAsJsonAsync("/api/token", new { room = "team-sync", name = "x" });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await app.StopAsync();
    }
}

public sealed class ConfigurationTests
{
    [Fact]
    public async Task SignalingSection_BindsLimitsAndKeys()
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0 };
        await using var app = ConferHost.Build(options, ["--Signaling:MaxFrameBytes=4096", "--Signaling:ResumeGrace=00:00:05", "--Signaling:Keys=cfgkey: cfgsecret-of-thirty-two-characters"]);
        Assert.Equal(4096, options.Signaling.MaxFrameBytes);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Signaling.ResumeGrace);
        Assert.True(options.Signaling.Keys.TryGetSecret("cfgkey", out var secret));
        Assert.Equal("cfgsecret-of-thirty-two-characters", secret);
    }

    [Fact]
    public void SignalingSection_ImpossibleValue_StopsStartWithASentence()
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0 };
        var e = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => ConferHost.Build(options, ["--Signaling:MaxFrameBytes=10"]));
        Assert.Contains("MaxFrameBytes", e.Message);
    }
}

public sealed class ShutdownTests
{
    [Fact]
    public async Task Stop_TellsClientsToReconnectAndClosesWith1012Promptly()
    {
        var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        await using var bob = await server.JoinAsync("r", "bob");
        await alice.ExpectAsync("participantJoined");
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await server.DisposeAsync();
        foreach (var client in new[] { alice, bob })
        {
            var reconnect = await client.ExpectAsync("reconnect");
            Assert.Equal("serverRestart", reconnect.GetProperty("reason").GetString());
            Assert.Equal(0, reconnect.GetProperty("id").GetInt64()); // about this connection only, never replayed
            Assert.InRange(reconnect.GetProperty("delay").GetInt32(), 0, 2000);
            var (code, reason) = await client.WaitClosedAsync();
            Assert.Equal(1012, code);
            Assert.StartsWith("server restarting", reason);
        }
        // Nobody is told that the others left: they all come back together.
        Assert.DoesNotContain(alice.Drain(), f => f.GetProperty("type").GetString() == "participantLeft");
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {stopping.Elapsed}");
        Assert.Equal(0, server.Rooms.ParticipantCount);
    }

    [Fact]
    public async Task Shutdown_LaterJoinsAndResumes_RefusedWith1013()
    {
        await using var server = await TestServer.StartAsync();
        await using var alice = await server.JoinAsync("r", "alice");
        var resumeToken = alice.ResumeToken;
        server.Router.Shutdown();
        Assert.Equal(1012, (await alice.WaitClosedAsync()).Code);

        await using var late = await server.ConnectAsync(server.Token("r", "carol"));
        var (code, reason) = await late.WaitClosedAsync();
        Assert.Equal(1013, code);
        Assert.StartsWith("server restarting", reason);
        await using var resume = await server.ConnectAsync(server.Token("r", "alice"), $"&resume={Uri.EscapeDataString(resumeToken)}&lastSeen=1");
        Assert.Equal(1013, (await resume.WaitClosedAsync()).Code);
        Assert.Equal(0, server.Rooms.ParticipantCount);
        Assert.True(server.Rooms.Draining);
    }
}
