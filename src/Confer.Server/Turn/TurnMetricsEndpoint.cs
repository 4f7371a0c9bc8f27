using Confer.Server.Hosting;
using Prometheus;

namespace Confer.Server.Turn;

/// <summary>
/// <c>GET /metrics</c> in Prometheus text format. prometheus-net publishes System.Diagnostics.Metrics
/// meters (so the <c>Confer.Turn</c> counters) next to its own process metrics. Not public: see <see cref="MetricsAccess"/>.
/// </summary>
internal static class TurnMetricsEndpoint
{
    public static WebApplication MapConferMetrics(this WebApplication app)
    {
        var access = MetricsAccess.From(app.Configuration);
        app.MapMetrics("/metrics").Add(endpoint => endpoint.RequestDelegate = access.Guard(endpoint.RequestDelegate!));
        return app;
    }
}
