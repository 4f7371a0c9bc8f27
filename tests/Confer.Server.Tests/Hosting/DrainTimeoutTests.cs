using System.Net;
using Confer.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Confer.Server.Tests.Hosting;

/// <summary>How <c>--drain-timeout</c> is read and checked, and what it does to the host's own shutdown timeout.</summary>
public sealed class DrainTimeoutTests
{
    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("500ms", 500)]
    [InlineData("45", 45_000)]
    [InlineData("0", 0)]
    [InlineData("1.5s", 1_500)]
    [InlineData("00:00:30", 30_000)]
    public void TryParseDuration_Forms_Read(string text, int milliseconds)
    {
        Assert.True(ServerOptions.TryParseDuration(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("30x")]
    [InlineData("s")]
    [InlineData("NaNs")]
    public void TryParseDuration_Nonsense_Refused(string text) => Assert.False(ServerOptions.TryParseDuration(text, out _));

    [Fact]
    public void ValidateDrain_OutOfRange_SaysWhatToChange()
    {
        Assert.Null(new ServerOptions { DrainTimeout = TimeSpan.Zero }.ValidateDrain());
        Assert.Null(new ServerOptions { DrainTimeout = TimeSpan.FromMinutes(30) }.ValidateDrain());
        Assert.Contains("between 0 and 30 minutes", new ServerOptions { DrainTimeout = TimeSpan.FromMinutes(31) }.ValidateDrain());
        Assert.Contains("between 0 and 30 minutes", new ServerOptions { DrainTimeout = TimeSpan.FromSeconds(-1) }.ValidateDrain());
    }

    [Theory]
    [InlineData(30, 40)]
    [InlineData(120, 130)]
    public async Task Host_ShutdownTimeout_OutlastsTheDrain(int drainSeconds, int expectedSeconds)
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, Dev = true, DrainTimeout = TimeSpan.FromSeconds(drainSeconds) };
        await using var app = ConferHost.Build(options);
        var host = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HostOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), host.ShutdownTimeout);
        Assert.IsType<DrainLifetime>(app.Services.GetRequiredService<IHostLifetime>());
    }

    [Fact]
    public async Task Readyz_AfterStart_Ready_AndAStopFromCodeDoesNotWaitForTurn()
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, Dev = true };
        options.TurnUsers.Add("alice:wonderland");
        await using var app = ConferHost.Build(options);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = ConferHost.HttpAddress(app) };
        using (var ready = await http.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("ready\n", await ready.Content.ReadAsStringAsync());
        }
        using (var health = await http.GetAsync("/healthz"))
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        // An allocation is held, but no signal asked for a drain: the 30 s default does not hold the stop up.
        using var turn = new LongTermClient(new IPEndPoint(IPAddress.Loopback, ConferHost.Turn(app).Port), "alice", "wonderland");
        Assert.Equal(200, await turn.RequestAsync(Confer.Stun.StunMethod.Allocate,
            (ref Confer.Stun.StunMessageWriter w) => w.AddUInt32(Confer.Stun.StunAttributeType.RequestedTransport, 17u << 24)));
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await app.StopAsync();
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"a stop from code took {stopping.Elapsed}");
    }
}
