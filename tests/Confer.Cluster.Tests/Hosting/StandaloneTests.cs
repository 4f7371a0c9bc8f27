using System.Net;
using System.Net.Sockets;
using Confer.Server.Hosting;
using Confer.Signaling.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Confer.Cluster.Tests.Hosting;

[Collection("cluster")]
public sealed class StandaloneTests
{
    [Fact]
    public async Task Serve_WithoutCluster_StartsNothingOfOrleans()
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0, Dev = true };
        Assert.False(options.Cluster.Enabled);
        await using var app = ConferHost.Build(options);
        await app.StartAsync();

        Assert.IsType<LocalRouter>(app.Services.GetRequiredService<IRoomRouter>());
        Assert.Null(app.Services.GetService<Orleans.Runtime.ILocalSiloDetails>());
        Assert.Null(app.Services.GetService<Orleans.IGrainFactory>());
        Assert.DoesNotContain(app.Services.GetServices<IHostedService>(), s => s.GetType().Namespace?.StartsWith("Orleans", StringComparison.Ordinal) == true);
        // Nothing listens on the cluster's default port.
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var connect = Assert.ThrowsAny<SocketException>(() => probe.Connect(new IPEndPoint(IPAddress.Loopback, options.Cluster.Port)));
        Assert.Equal(SocketError.ConnectionRefused, connect.SocketErrorCode);
        // A node alone names no node on its metrics.
        Assert.DoesNotContain("node=\"", await MetricsNodeLabelTests.ScrapeAsync(app), StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Theory]
    [InlineData("redis://10.0.0.5:6379", null)]
    [InlineData("rediss://:pw@redis.example.org:6380/2", null)]
    [InlineData("10.0.0.5:6379", "is not a Redis address like redis://10.0.0.5:6379")]
    [InlineData("http://10.0.0.5:6379", "is not a Redis address like redis://10.0.0.5:6379")]
    [InlineData("redis://10.0.0.5:6379/x", "has a path that is not a database number (like redis://host:6379/0)")]
    public void TryParseRedis_Addresses(string text, string? problem)
    {
        Assert.Equal(problem, ClusterSettings.TryParseRedis(text, out var parsed));
        if (problem is null) Assert.Single(parsed.EndPoints);
    }

    [Fact]
    public void Validate_ClusterWithoutTurnSecret_SaysToGiveOne()
    {
        var options = new ServerOptions { Dev = true };
        options.Cluster.Redis = "redis://127.0.0.1:6379";
        Assert.Contains("--turn-secret", options.Validate());
        options.TurnSecret = "x";
        Assert.Null(options.Validate());
    }
}
