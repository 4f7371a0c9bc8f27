using System.Net;
using System.Net.Sockets;
using Confer.Server.Hosting;
using Confer.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Confer.Server.Tests.Transport;

/// <summary>The "Transport" configuration section: bound, validated at start, and the older variables' names still honoured.</summary>
public sealed class TransportConfigurationTests
{
    [Fact]
    public async Task Defaults_TheEngineRuns_WithOneWorkerPerTwoCores()
    {
        await using var app = ConferHost.Build(Options());
        var transport = app.Services.GetRequiredService<TransportRuntime>();
        Assert.NotNull(transport.Engine);
        Assert.Equal(Math.Clamp(Environment.ProcessorCount / 2, 1, 4), transport.Engine!.WorkerCount);
    }

    [Fact]
    public async Task Workers_FromTheSection()
    {
        await using var app = ConferHost.Build(Options(), ["--Transport:Workers=3"]);
        Assert.Equal(3, app.Services.GetRequiredService<TransportRuntime>().Engine!.WorkerCount);
        Assert.Equal(3, app.Services.GetRequiredService<IOptions<TransportOptions>>().Value.Workers);
    }

    [Fact]
    public async Task EngineOff_KestrelServesTcp_AndTurnStillAnswers()
    {
        await using var app = ConferHost.Build(Options(), ["--Transport:Engine=false"]);
        Assert.Null(app.Services.GetRequiredService<TransportRuntime>().Engine);
        await app.StartAsync();
        var port = ConferHost.Turn(app).Port;
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await tcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        await tcp.SendAsync(new byte[] { 0, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 });
        var buffer = new byte[256];
        using var cts = new CancellationTokenSource(5000);
        int n = await tcp.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        Assert.True(n >= 20);
        Assert.Equal(0x01, buffer[0]); // Binding success 0x0101
        Assert.Equal(0x01, buffer[1]);
        await app.StopAsync();
    }

    [Fact]
    public async Task ImpossibleWorkers_StopTheStart_WithASentence()
    {
        await using var app = ConferHost.Build(Options(), ["--Transport:Workers=100"]);
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("Transport:Workers is 100", e.Message);
        Assert.Contains("1 to 64", e.Message);
    }

    [Theory]
    [InlineData("CONFER_RELAY_THREADS=3", true, 3)]
    [InlineData("CONFER_RELAY_THREADS=lots", true, 0)]  // as before: not a number, the default
    [InlineData("CONFER_RELAY_ENGINE=0", false, 0)]
    [InlineData("CONFER_RELAY_ENGINE=1", true, 0)]
    public void OlderVariableNames_StillWork(string setting, bool engine, int workers)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine([$"--{setting}"]).Build();
        var options = new TransportOptions();
        Confer.Server.Transport.TransportHosting.Bind(configuration, options);
        Assert.Equal(engine, options.Engine);
        Assert.Equal(workers, options.Workers);
    }

    [Fact]
    public void TheSection_WinsOverAnOlderName()
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(["--CONFER_RELAY_THREADS=3", "--Transport:Workers=2"]).Build();
        var options = new TransportOptions();
        Confer.Server.Transport.TransportHosting.Bind(configuration, options);
        Assert.Equal(2, options.Workers);
    }

    private static ServerOptions Options() => new() { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0 };
}
