using Confer.Server.Hosting;
using Prometheus;

namespace Confer.Server.Turn;

/// <summary>
/// <c>GET /metrics</c> in Prometheus text format: this host's registry (<see cref="MetricsRegistry"/>) with the signaling,
/// TURN, transport and process figures. On the HTTP port it is not public (<see cref="MetricsAccess"/>); the metrics
/// listener (<c>--metrics-port</c>) answers <c>/metrics</c> and nothing else.
/// </summary>
internal static partial class TurnMetricsEndpoint
{
    public static WebApplication MapConferMetrics(this WebApplication app)
    {
        var listener = app.Services.GetRequiredService<MetricsListener>();
        var access = MetricsAccess.From(app.Configuration, listener.Enabled);
        var registry = app.Services.GetRequiredService<MetricsRegistry>().Registry;
        var onListener = access.ForMetricsListener();
        // The metrics listener serves /metrics only: the app, /rtc and /api stay on the HTTP port.
        app.Use(next => ctx =>
        {
            if (!listener.Serves(ctx)) return next(ctx);
            if (ctx.Request.Path != "/metrics" || !HttpMethods.IsGet(ctx.Request.Method))
            {
                ctx.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return onListener.Guard(c => WriteAsync(c, registry))(ctx);
        });
        app.MapGet("/metrics", access.Guard(ctx => WriteAsync(ctx, registry)));
        if (listener.Enabled)
        {
            var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Confer.Server.Metrics");
            var bind = app.Services.GetRequiredService<ServerOptions>().MetricsBind;
            app.Lifetime.ApplicationStarted.Register(() => LogMetricsListener(log, ConferHost.Describe(bind, listener.Port)));
        }
        return app;
    }

    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "Metrics on http://{Address}/metrics (this listener serves nothing else)")]
    private static partial void LogMetricsListener(ILogger logger, string address);

    private static async Task WriteAsync(HttpContext ctx, CollectorRegistry registry)
    {
        ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await registry.CollectAndExportAsTextAsync(ctx.Response.Body, ctx.RequestAborted);
    }
}
