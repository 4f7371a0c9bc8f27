namespace Confer.Server.Hosting;

/// <summary>
/// Wires graceful restart into the host: the signal handling (<see cref="DrainLifetime"/>), the bounded wait for TURN
/// allocations (<see cref="DrainService"/>), a host shutdown timeout above the drain, and <c>/readyz</c>.
/// </summary>
public static class DrainHosting
{
    /// <summary>What the host keeps for itself once the drain is over: Kestrel's own stop, the listeners, the event queue.</summary>
    internal static readonly TimeSpan AfterDrain = TimeSpan.FromSeconds(10);

    public static IServiceCollection AddConferDrain(this IServiceCollection services, ServerOptions options)
    {
        services.AddSingleton<DrainState>();
        services.AddSingleton<IHostLifetime, DrainLifetime>(); // replaces the console lifetime: signals are ours
        services.AddHostedService<DrainService>();
        services.Configure<HostOptions>(o =>
        {
            // The host cancels every stopping step at ShutdownTimeout: it must outlast the drain.
            var needed = options.DrainTimeout + AfterDrain;
            if (o.ShutdownTimeout < needed) o.ShutdownTimeout = needed;
        });
        return services;
    }

    /// <summary>
    /// <c>/readyz</c>: 200 once the server has started and until it begins to stop, then 503 (for a load balancer or an
    /// orchestrator, which stop sending people here first). <c>/healthz</c> stays the liveness check: 200 while the process serves.
    /// </summary>
    public static WebApplication MapConferReadiness(this WebApplication app)
    {
        var lifetime = app.Lifetime;
        app.MapGet("/readyz", (HttpContext ctx) =>
        {
            ctx.Response.Headers.CacheControl = "no-store";
            if (lifetime.ApplicationStopping.IsCancellationRequested) return Results.Text("draining\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            if (!lifetime.ApplicationStarted.IsCancellationRequested) return Results.Text("starting\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            return Results.Text("ready\n");
        });
        return app;
    }
}
