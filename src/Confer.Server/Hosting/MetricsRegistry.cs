using Confer.Server.Signaling;
using Confer.Signaling.Rooms;
using Confer.Turn.Handlers;
using Prometheus;

namespace Confer.Server.Hosting;

/// <summary>
/// This host's Prometheus registry: everything <c>/metrics</c> shows. One per host, not prometheus-net's process-wide
/// default, so a second host in the same process (tests) neither sees the first one's figures nor keeps it alive through a
/// callback. Before each scrape it reads the exact figures that have an owner (rooms and participants from the room
/// manager, TURN permissions and channels from the allocation table, open TCP/TLS connections from the connection guard) and the <c>Confer.*</c> meters
/// (<see cref="MetricsMeterExport"/>). Process basics come from prometheus-net's <see cref="DotNetStats"/>.
/// In a cluster every series carries a <c>node</c> label (<c>--node-name</c>).
/// Other parts of the server add their metrics through the <see cref="IMetricFactory"/> in the container.
/// </summary>
public sealed class MetricsRegistry : IDisposable
{
    private readonly IServiceProvider _services;
    private readonly MetricsMeterExport _meters;
    private readonly Gauge _permissions, _channels, _streamsOpen, _streamsMax;

    public MetricsRegistry(IServiceProvider services)
    {
        _services = services;
        Registry = Metrics.NewCustomRegistry();
        // In a cluster every series says which node it is from, so one dashboard can sum or split the nodes.
        if (services.GetService<ServerOptions>() is { Cluster.Enabled: true } options)
            Registry.SetStaticLabels(new Dictionary<string, string> { ["node"] = options.Cluster.ResolvedNodeName });
        Factory = Metrics.WithCustomRegistry(Registry);
        DotNetStats.Register(Registry);
        _meters = new MetricsMeterExport(Factory, services.GetService<System.Diagnostics.Metrics.IMeterFactory>());
        _permissions = Factory.CreateGauge("confer_turn_permissions", "TURN permissions held by all allocations now (read when scraped).");
        _channels = Factory.CreateGauge("confer_turn_channels", "TURN channel bindings held by all allocations now (read when scraped).");
        _streamsOpen = Factory.CreateGauge("confer_transport_stream_connections_open", "TCP/TLS client connections open now (read when scraped).");
        _streamsMax = Factory.CreateGauge("confer_transport_stream_connections_max", "TCP/TLS client connections the server holds at once (Transport:MaxConnections as resolved).");
        Registry.AddBeforeCollectCallback(BeforeCollect);
    }

    public CollectorRegistry Registry { get; }

    public IMetricFactory Factory { get; }

    private void BeforeCollect()
    {
        if (_services.GetService<RoomManager>() is { } rooms && _services.GetService<SignalingMetrics>() is { } signaling)
            signaling.SetRoomCounts(rooms.RoomCount, rooms.ParticipantCount);
        if (_services.GetService<StunDispatcher>() is { } turn)
        {
            var (permissions, channels) = turn.Allocations.CountBindings();
            _permissions.Set(permissions);
            _channels.Set(channels);
        }
        if (_services.GetService<Confer.Transport.Streams.StreamConnectionGuard>() is { } guard)
        {
            _streamsOpen.Set(guard.Open);
            _streamsMax.Set(guard.MaxConnections);
        }
        _meters.Collect();
    }

    public void Dispose() => _meters.Dispose();
}
