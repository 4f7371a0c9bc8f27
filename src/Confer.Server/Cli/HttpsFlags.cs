using System.CommandLine;
using Confer.Server.Hosting;

namespace Confer.Server.Cli;

/// <summary>
/// The HTTPS flags of <c>confer serve</c>. The certificate itself comes from <c>--tls-cert</c>/<c>--tls-key</c> (PEM, see
/// <see cref="TurnFlags"/>; the same certificate serves TURN over TLS) or from --dev's self-signed one.
/// </summary>
internal sealed class HttpsFlags
{
    private readonly Option<int?> _httpsPort = new("--https-port")
    {
        Description = "HTTPS port for the web app, SDK, /rtc and /api (default 443, with --dev 7443); runs when there is a certificate (--tls-cert/--tls-key or --dev).",
    };

    private readonly Option<bool?> _httpRedirect = new("--http-redirect")
    {
        Description = "Redirect plain HTTP to HTTPS (default: true with a real certificate, false with --dev's self-signed one; /healthz, /readyz, /metrics and ACME's HTTP-01 stay on HTTP).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_httpsPort);
        command.Options.Add(_httpRedirect);
    }

    /// <summary>Copies the flags into <paramref name="options"/>; returns an error sentence or null.</summary>
    public string? Apply(ParseResult parse, ServerOptions options)
    {
        if (parse.GetValue(_httpsPort) is { } port) options.HttpsPort = port;
        if (parse.GetValue(_httpRedirect) is { } redirect) options.HttpRedirect = redirect;
        return null;
    }
}
