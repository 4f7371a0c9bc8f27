using System.Net;
using System.Net.Sockets;
using Confer.Server.Hosting;

namespace Confer.Server.Tests.Hosting;

public sealed class ConferHostTests
{
    [Fact]
    public async Task Healthz_OnEphemeralPort_ReturnsOk()
    {
        await using var app = ConferHost.Build(new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0 });
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = ConferHost.HttpAddress(app) };
        var response = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", (await response.Content.ReadAsStringAsync()).Trim());
        await app.StopAsync();
    }

    [Fact]
    public async Task Start_HttpPortInUse_IsReportedAsAddressInUse()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        await using var app = ConferHost.Build(new ServerOptions { Bind = IPAddress.Loopback, HttpPort = port, TurnPort = 0 });
        var e = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
        Assert.True(ConferHost.IsAddressInUse(e), e.ToString());
    }

    [Theory]
    [InlineData(70000, 0, "--http-port")]
    [InlineData(0, -1, "--turn-port")]
    public void Validate_BadPort_NamesTheFlag(int http, int turn, string flag)
    {
        var problem = new ServerOptions { HttpPort = http, TurnPort = turn }.Validate();
        Assert.NotNull(problem);
        Assert.Contains(flag, problem);
    }
}
