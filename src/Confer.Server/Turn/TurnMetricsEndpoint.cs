using Prometheus;

namespace Confer.Server.Turn;

/// <summary>
/// <c>GET /metrics</c> in Prometheus text format. prometheus-net publishes System.Diagnostics.Metrics
/// meters (so the <c>Confer.Turn</c> counters) next to its own process metrics.
/// </summary>
internal static class TurnMetricsEndpoint
{
    public static WebApplication MapConferMetrics(this WebApplication app)
    {
        app.MapMetrics("/metrics");
        return app;
    }
}
