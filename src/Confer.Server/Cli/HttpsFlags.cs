using Confer.Server.Hosting.Configuration;

namespace Confer.Server.Cli;

/// <summary>
/// The HTTPS settings of <c>confer serve</c>. The certificate itself comes from <c>--tls-cert</c>/<c>--tls-key</c> (PEM, see
/// <see cref="TurnFlags"/>; the same certificate serves TURN over TLS), from --dev's self-signed one, or over ACME (<c>--domain</c>).
/// </summary>
internal static class HttpsFlags
{
    public static readonly Setting[] Settings =
    [
        Setting.Port("HttpsPort", "--https-port", "HTTPS port for the web app, SDK, /rtc and /api (default 443, with --dev 7443); runs when there is a certificate (--tls-cert/--tls-key, --domain or --dev).", o => o.HttpsPort, (o, v) => o.HttpsPort = v),
        Setting.Switch("HttpRedirect", "--http-redirect", "Redirect plain HTTP to HTTPS (default: true with a real certificate, false with --dev's self-signed one; /healthz, /readyz, /metrics and ACME's HTTP-01 stay on HTTP).", o => o.HttpRedirect, (o, v) => o.HttpRedirect = v),
    ];
}
