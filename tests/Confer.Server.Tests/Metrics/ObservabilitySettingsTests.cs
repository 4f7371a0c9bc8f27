using System.Diagnostics.Metrics;
using Confer.Server.Hosting;
using Confer.Server.Tests.Cli;
using Confer.Transport.Streams;
using Confer.Turn;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace Confer.Server.Tests.Metrics;

/// <summary>The metrics and log settings: bad values get one sentence; Confer's meters become well-named Prometheus series.</summary>
public sealed class ObservabilitySettingsTests
{
    [Theory]
    [InlineData(new[] { "--log-format", "xml" }, null, null, "confer: --log-format 'xml' is not a log format: use simple or json.")]
    [InlineData(new[] { "--metrics-bind", "127.0.0.1" }, null, null, "confer: --metrics-bind needs --metrics-port: there is no metrics listener without a port (setting Metrics:Bind).")]
    [InlineData(new[] { "--metrics-port", "70000" }, null, null, "confer: --metrics-port '70000' is not a port number (1-65535).")]
    [InlineData(new[] { "--metrics-port", "9100", "--metrics-bind", "here" }, null, null, "confer: --metrics-bind 'here' is not an IP address.")]
    [InlineData(new string[0], "Logging__Format", "yaml", "confer: Logging__Format 'yaml' is not a log format: use simple or json.")]
    [InlineData(new string[0], "Metrics__Bind", "everywhere", "confer: Metrics__Bind 'everywhere' is not an IP address.")]
    public async Task BadSetting_StopsWithOneSentence(string[] flags, string? variable, string? value, string expected)
    {
        var environment = new Dictionary<string, string>();
        if (variable is not null) environment[variable] = value!;
        await using var serve = ServeProcess.Start(["--dev", "--http-port", "0", "--turn-port", "0", "--turn-tls-port", "0", .. flags], environment);
        Assert.Equal(2, await serve.ExitCodeAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(expected, Assert.Single(serve.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task MeterExport_ConferMeters_CountersWithTotalAndLabels_OtherFactoriesLeftOut()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var other = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var transport = new StreamConnectionMetrics(factory);
        using var turn = new TurnMetrics(factory);
        using var foreign = new TurnMetrics(other.GetRequiredService<IMeterFactory>()); // another host's meter of the same name
        transport.Refused("per_source");
        transport.Refused("per_source");
        transport.Closed("idle");
        turn.AllocationCreated();
        turn.RelayedToPeer(120);
        turn.AuthFailed("integrity");
        foreign.AllocationCreated();
        foreign.AllocationCreated();

        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var export = new MetricsMeterExport(Prometheus.Metrics.WithCustomRegistry(registry), factory);
        registry.AddBeforeCollectCallback(export.Collect);
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        var series = MetricsScrape.Parse(text);

        Assert.Equal(2, series["confer_transport_stream_connections_refused_total{reason=\"per_source\"}"]);
        Assert.Equal(1, series["confer_transport_stream_connections_closed_total{reason=\"idle\"}"]);
        Assert.Equal(1, series["confer_turn_allocations_active"]); // this host's one, not the other's two
        Assert.Equal(1, series["confer_turn_allocations_created_total"]);
        Assert.Equal(120, series["confer_turn_relayed_bytes_total{direction=\"to_peer\"}"]);
        Assert.Equal(1, series["confer_turn_auth_failures_total{reason=\"integrity\"}"]);
        Assert.Contains("# TYPE confer_transport_stream_connections_refused_total counter", text);
        Assert.Contains("# TYPE confer_turn_allocations_active gauge", text);

        turn.RelayedToPeer(80); // counters follow the instrument on the next scrape
        stream.SetLength(0);
        await registry.CollectAndExportAsTextAsync(stream);
        Assert.Equal(200, MetricsScrape.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()))["confer_turn_relayed_bytes_total{direction=\"to_peer\"}"]);
    }

    [Theory]
    [InlineData("Confer.Turn", "relayed_bytes", true, "confer_turn_relayed_bytes_total")]
    [InlineData("Confer.Turn", "allocations_active", false, "confer_turn_allocations_active")]
    [InlineData("Confer.Transport", "stream_connections_closed", true, "confer_transport_stream_connections_closed_total")]
    [InlineData("Confer.Sfu", "packets_total", true, "confer_sfu_packets_total")]
    public void NameOf_MeterAndInstrument_PrometheusName(string meter, string instrument, bool counter, string expected) =>
        Assert.Equal(expected, MetricsMeterExport.NameOf(meter, instrument, counter));
}
