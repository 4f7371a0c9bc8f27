using Confer.Server.Hosting;
using Confer.Server.Hosting.Configuration;

namespace Confer.Server.Cli;

/// <summary>The graceful-restart setting of <c>confer serve</c> (docs/configuration.md, "Graceful restart").</summary>
internal static class DrainFlags
{
    public static readonly Setting[] Settings =
    [
        Setting.Custom("DrainTimeout", "--drain-timeout", "On SIGTERM or Ctrl-C: how long to keep TURN allocations relaying before exiting, like 30s or 2m (default 30s; 0: exit at once). A second signal exits at once.",
            o => ServerOptions.FormatDuration(o.DrainTimeout), SetTimeout),
    ];

    private static string? SetTimeout(ServerOptions options, string value)
    {
        if (!ServerOptions.TryParseDuration(value, out var timeout)) return "is not a duration (like 30s, 2m or 0)";
        options.DrainTimeout = timeout;
        return null;
    }
}
