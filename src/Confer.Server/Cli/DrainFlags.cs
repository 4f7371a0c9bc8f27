using System.CommandLine;
using Confer.Server.Hosting;

namespace Confer.Server.Cli;

/// <summary>The graceful-restart flag of <c>confer serve</c> (docs/configuration.md, "Graceful restart").</summary>
internal sealed class DrainFlags
{
    private readonly Option<string?> _timeout = new("--drain-timeout")
    {
        Description = "On SIGTERM or Ctrl-C: how long to keep TURN allocations relaying before exiting, like 30s or 2m (default 30s; 0: exit at once). A second signal exits at once.",
    };

    public void AddTo(Command command) => command.Options.Add(_timeout);

    /// <summary>Copies the flag into <paramref name="options"/>; returns an error sentence or null.</summary>
    public string? Apply(ParseResult parse, ServerOptions options)
    {
        if (parse.GetValue(_timeout) is { } text)
        {
            if (!ServerOptions.TryParseDuration(text, out var timeout)) return $"--drain-timeout '{text}' is not a duration (like 30s, 2m or 0).";
            options.DrainTimeout = timeout;
        }
        return options.ValidateDrain();
    }
}
