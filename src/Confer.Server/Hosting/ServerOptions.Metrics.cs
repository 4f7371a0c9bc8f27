using System.Net;

namespace Confer.Server.Hosting;

/// <summary>Metrics and logs (docs/configuration.md, "Metrics and logs").</summary>
public sealed partial class ServerOptions
{
    /// <summary>
    /// Port of a listener that serves only <c>/metrics</c> (<c>--metrics-port</c>, <c>Metrics:Port</c>); null: none, and
    /// <c>/metrics</c> is on the HTTP port for callers on this host or with the bearer token. With a metrics port, the HTTP
    /// port's <c>/metrics</c> answers only the bearer token (<c>Metrics:Token</c>).
    /// </summary>
    public int? MetricsPort { get; set; }

    /// <summary>Address of the metrics listener (<c>--metrics-bind</c>, <c>Metrics:Bind</c>); default 127.0.0.1, a scraper on this host.</summary>
    public IPAddress MetricsBind
    {
        get => _metricsBind ?? IPAddress.Loopback;
        set => _metricsBind = value;
    }

    private IPAddress? _metricsBind;

    /// <summary>True when <see cref="MetricsBind"/> was set (flag) rather than taken from the default.</summary>
    public bool MetricsBindGiven => _metricsBind is not null;

    /// <summary>Console log format (<c>--log-format</c>, <c>Logging:Format</c>): <c>simple</c> (one line each, the default) or <c>json</c>.</summary>
    public string? LogFormat { get; set; }
}
