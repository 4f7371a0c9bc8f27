using System.CommandLine;
using System.Net;
using Confer.Server.Hosting;

namespace Confer.Server.Cli;

/// <summary>The metrics and log flags of <c>confer serve</c> (docs/configuration.md, "Metrics and logs").</summary>
internal sealed class ObservabilityFlags
{
    private readonly Option<int?> _metricsPort = new("--metrics-port") { Description = "Serve /metrics on a listener of its own at this port (default: none; /metrics is then on the HTTP port for this host's callers or with Metrics:Token)." };
    private readonly Option<string?> _metricsBind = new("--metrics-bind") { Description = "Address of the --metrics-port listener (default 127.0.0.1)." };
    private readonly Option<string?> _logFormat = new("--log-format") { Description = "Console log format: simple (one line each, the default) or json (one JSON object per line, with scopes)." };

    public void AddTo(Command command)
    {
        command.Options.Add(_metricsPort);
        command.Options.Add(_metricsBind);
        command.Options.Add(_logFormat);
    }

    /// <summary>Copies the flags into <paramref name="options"/>; returns an error sentence or null.</summary>
    public string? Apply(ParseResult parse, ServerOptions options)
    {
        if (parse.GetValue(_metricsPort) is { } port)
        {
            if (port is < 1 or > 65535) return $"--metrics-port {port} is not a port number (1-65535).";
            options.MetricsPort = port;
        }
        if (parse.GetValue(_metricsBind) is { } bind)
        {
            if (!IPAddress.TryParse(bind, out var address)) return $"--metrics-bind '{bind}' is not an IP address.";
            if (options.MetricsPort is null) return "--metrics-bind needs --metrics-port: there is no metrics listener without a port.";
            options.MetricsBind = address;
        }
        if (parse.GetValue(_logFormat) is { } format)
        {
            format = format.Trim().ToLowerInvariant();
            if (format is not (LoggingSetup.Simple or LoggingSetup.Json)) return $"--log-format '{format}' is not a log format: use simple or json.";
            options.LogFormat = format;
        }
        return null;
    }
}
