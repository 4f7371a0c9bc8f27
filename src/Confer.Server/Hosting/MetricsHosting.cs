using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Confer.Server.Hosting;

/// <summary>
/// Wires metrics into the host: this host's registry (<see cref="MetricsRegistry"/>) and its <see cref="IMetricFactory"/>
/// in the container, and the metrics listener when <see cref="ServerOptions.MetricsPort"/> is set (it serves
/// <c>/metrics</c> and nothing else). Settings from configuration: <c>Metrics:Port</c>, <c>Metrics:Bind</c>, flags win.
/// </summary>
public static class MetricsHosting
{
    public static WebApplicationBuilder AddConferMetrics(this WebApplicationBuilder builder, ServerOptions options)
    {
        var section = builder.Configuration.GetSection(MetricsOptions.Section);
        if (options.MetricsPort is null && section["Port"] is { Length: > 0 } port)
            options.MetricsPort = int.TryParse(port, out var p) ? p : throw Invalid($"Metrics:Port '{port}' is not a port number.");
        if (section["Bind"] is { Length: > 0 } bind && !options.MetricsBindGiven)
            options.MetricsBind = IPAddress.TryParse(bind, out var a) ? a : throw Invalid($"Metrics:Bind '{bind}' is not an IP address.");
        if (options.MetricsPort is { } metricsPort)
        {
            if (metricsPort is < 0 or > 65535) throw Invalid($"Metrics:Port {metricsPort} is not a port number (1-65535).");
            if (metricsPort != 0 && metricsPort == options.HttpPort)
                throw Invalid($"Metrics:Port {metricsPort} is the HTTP port; give the metrics listener a port of its own, or leave it unset to serve /metrics on the HTTP port.");
        }

        var listener = new MetricsListener();
        builder.Services.AddSingleton(listener);
        builder.Services.AddConferMetricsRegistry();
        if (options.MetricsPort is { } listenPort)
            builder.WebHost.ConfigureKestrel(k => k.Listen(options.MetricsBind, listenPort, l => listener.Options = l));
        return builder;
    }

    /// <summary>The host's registry and its <see cref="IMetricFactory"/>, once (signaling adds them too, for hosts of its own).</summary>
    public static IServiceCollection AddConferMetricsRegistry(this IServiceCollection services)
    {
        services.TryAddSingleton<MetricsRegistry>();
        services.TryAddSingleton<IMetricFactory>(sp => sp.GetRequiredService<MetricsRegistry>().Factory);
        return services;
    }

    private static OptionsValidationException Invalid(string problem) => new(MetricsOptions.Section, typeof(MetricsOptions), [problem]);
}

/// <summary>The metrics listener, once Kestrel has bound it (its port is known then, port 0 included).</summary>
public sealed class MetricsListener
{
    internal ListenOptions? Options { get; set; }

    /// <summary>True when there is a metrics listener.</summary>
    public bool Enabled => Options is not null;

    /// <summary>The port bound, or 0 before start and without a listener.</summary>
    public int Port => Options?.IPEndPoint?.Port ?? 0;

    /// <summary>True when <paramref name="ctx"/> arrived on the metrics listener.</summary>
    public bool Serves(HttpContext ctx) => Options is not null && ctx.Connection.LocalPort == Port;
}
