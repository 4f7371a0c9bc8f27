using System.Globalization;
using Confer.Server.Hosting;
using Confer.Server.Hosting.Configuration;

namespace Confer.Server.Cli;

/// <summary>The metrics and log settings of <c>confer serve</c> (docs/configuration.md, "Metrics and logs").</summary>
internal static class ObservabilityFlags
{
    public static readonly Setting[] Settings =
    [
        Setting.Custom("Metrics:Port", "--metrics-port", "Serve /metrics on a listener of its own at this port (default: none; /metrics is then on the HTTP port for this host's callers or with Metrics:Token).",
            o => o.MetricsPort?.ToString(CultureInfo.InvariantCulture) ?? "", SetMetricsPort),
        Setting.Address("Metrics:Bind", "--metrics-bind", "Address of the --metrics-port listener (default 127.0.0.1).", o => o.MetricsBind, (o, v) => o.MetricsBind = v),
        Setting.Custom("Logging:Format", "--log-format", "Console log format: simple (one line each, the default) or json (one JSON object per line, with scopes).",
            o => o.LogFormat ?? LoggingSetup.Simple, SetLogFormat),
    ];

    private static string? SetMetricsPort(ServerOptions options, string value)
    {
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            return "is not a port number (1-65535)";
        options.MetricsPort = port;
        return null;
    }

    private static string? SetLogFormat(ServerOptions options, string value)
    {
        var format = value.Trim().ToLowerInvariant();
        if (format is not (LoggingSetup.Simple or LoggingSetup.Json)) return "is not a log format: use simple or json";
        options.LogFormat = format;
        return null;
    }
}
