using System.CommandLine;
using Confer.Server.Hosting;
using Confer.Server.Webhooks;

namespace Confer.Server.Cli;

/// <summary>The webhook flags of <c>confer serve</c>.</summary>
internal sealed class WebhookFlags
{
    private readonly Option<string[]> _urls = new("--webhook")
    {
        Description = "A URL that receives room events as LiveKit-style signed webhooks (repeatable; also Webhooks:Urls).",
        AllowMultipleArgumentsPerToken = false,
    };

    public void AddTo(Command command) => command.Options.Add(_urls);

    /// <summary>Copies the flags into <paramref name="options"/>; returns an error sentence or null.</summary>
    public string? Apply(ParseResult parse, ServerOptions options)
    {
        foreach (var url in parse.GetValue(_urls) ?? [])
        {
            if (WebhookOptions.CheckUrl(url, "--webhook") is { } problem) return problem;
            if (!options.Webhooks.Urls.Contains(url, StringComparer.Ordinal)) options.Webhooks.Urls.Add(url);
        }
        return null;
    }
}
