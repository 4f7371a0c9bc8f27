using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Confer.Server.Hosting;

/// <summary>
/// The console log: one short line per event by default (<c>simple</c>), or one JSON object per line with its scopes
/// (room, participant, TURN 5-tuple) for log shippers (<c>json</c>: <c>--log-format json</c>, <c>Logging:Format</c>).
/// ASP.NET's own request logs stay at Warning whatever the configured level: they print whole URLs, and <c>/rtc</c>
/// carries the access token in its query.
/// </summary>
public static class LoggingSetup
{
    public const string Simple = "simple", Json = "json";

    public static WebApplicationBuilder AddConferLogging(this WebApplicationBuilder builder, ServerOptions options)
    {
        var format = (options.LogFormat ?? builder.Configuration["Logging:Format"] ?? Simple).Trim().ToLowerInvariant();
        if (format is not (Simple or Json))
            throw new OptionsValidationException("Logging", typeof(ServerOptions), [$"Logging:Format '{format}' is not a log format: use simple or json."]);
        options.LogFormat = format;
        if (format == Json)
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        }
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // The banner names each port and what it serves; Kestrel's "Now listening on: https://…" would call TURN over TLS a web page.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // More specific than any "Microsoft.AspNetCore" or "Default" setting, and for the console provider itself:
        // the hosting and HTTP-logging categories write request URLs, so raising the level in configuration cannot expose a token.
        foreach (var category in (string[])["Microsoft.AspNetCore.Hosting.Diagnostics", "Microsoft.AspNetCore.HttpLogging", "Microsoft.AspNetCore.Http.Connections"])
        {
            builder.Logging.AddFilter(category, LogLevel.Warning);
            builder.Logging.AddFilter<ConsoleLoggerProvider>(category, LogLevel.Warning);
        }
        return builder;
    }
}
