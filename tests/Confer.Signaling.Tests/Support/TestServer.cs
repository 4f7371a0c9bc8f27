using System.Net;
using Confer.Server.Hosting;
using Confer.Server.Signaling;
using Confer.Signaling;
using Confer.Signaling.Auth;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace Confer.Signaling.Tests.Support;

/// <summary>Real Kestrel on 127.0.0.1:0 with signaling mapped and a <see cref="FakeTimeProvider"/> for every expiry.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    public const string Key = "devkey", Secret = "test-secret-of-thirty-two-characters-or-more", TurnSecret = "test-turn-secret-of-thirty-two-characters";

    private TestServer(WebApplication app, ServerOptions options, FakeTimeProvider time)
    {
        App = app;
        Options = options;
        Time = time;
        Rooms = app.Services.GetRequiredService<RoomManager>();
        Router = app.Services.GetRequiredService<IRoomRouter>();
        var address = app.Urls.First();
        Http = new Uri(address);
        Ws = new UriBuilder(Http) { Scheme = "ws" }.Uri;
    }

    public WebApplication App { get; }
    public ServerOptions Options { get; }
    public FakeTimeProvider Time { get; }
    public RoomManager Rooms { get; }
    public IRoomRouter Router { get; }
    public Uri Http { get; }
    public Uri Ws { get; }

    public static async Task<TestServer> StartAsync(Action<SignalingOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 3478, TurnSecret = TurnSecret };
        options.Signaling.Keys.Add(Key, Secret);
        // Tests move the clock in big steps; keep ping timeouts out of the way unless a test asks for them.
        options.Signaling.PingInterval = TimeSpan.FromHours(1);
        options.Signaling.PingTimeout = TimeSpan.FromHours(2);
        configure?.Invoke(options.Signaling);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("CONFER_TEST_LOG") == "1") builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Debug);
        else
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<TimeProvider>(time);
        services?.Invoke(builder.Services); // before AddConferSignaling: extra observers, a router of the test's own
        builder.Services.AddConferSignaling(options);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapConferSignaling();
        app.MapMetrics("/metrics", app.Services.GetRequiredService<Confer.Server.Hosting.MetricsRegistry>().Registry);
        await app.StartAsync();
        return new TestServer(app, options, time);
    }

    public string Token(string room, string identity, Action<VideoGrant>? grant = null, TimeSpan? ttl = null, string? name = null,
        DateTimeOffset? now = null, string secret = Secret)
    {
        var g = new VideoGrant { Room = room, RoomJoin = true };
        grant?.Invoke(g);
        return AccessTokenBuilder.Create(Key, secret, identity, g, now ?? Time.GetUtcNow(), ttl ?? TimeSpan.FromHours(1), name);
    }

    /// <summary>Connects and waits for the <c>join</c> frame.</summary>
    public Task<TestClient> JoinAsync(string room, string identity, Action<VideoGrant>? grant = null, string? name = null) =>
        TestClient.JoinAsync(this, Token(room, identity, grant, name: name));

    public Task<TestClient> ConnectAsync(string token, string query = "") => TestClient.ConnectAsync(this, token, query);

    /// <summary>Waits (bounded) for a server-side condition that follows a socket event.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what, int timeoutMs = 5000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    public Task AssertEmptyAsync() => EventuallyAsync(() => Rooms.ParticipantCount == 0, $"participants to reach 0 (now {Rooms.ParticipantCount})");

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
