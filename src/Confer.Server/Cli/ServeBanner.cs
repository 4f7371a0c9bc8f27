using System.Net;
using System.Security.Cryptography.X509Certificates;
using Confer.Server.Hosting;

namespace Confer.Server.Cli;

/// <summary>
/// What <c>confer serve</c> says at start about who can reach it: a dev server on loopback says so in plain words;
/// a dev server (or loopback relaying) on a network address gets a warning, because anyone who reaches it can use it.
/// </summary>
internal static class ServeBanner
{
    public static IEnumerable<string> Exposure(ServerOptions options)
    {
        if (options.Dev && options.LoopbackOnly)
        {
            yield return "confer: dev mode: listening on loopback only, with the known dev key and open rooms; other machines cannot reach this server.";
        }
        else if (options.Dev)
        {
            yield return $"confer: WARNING: dev mode on a network address ({options.Bind}): anyone who can reach it gets a token from /api/token " +
                "(the dev key is public knowledge) and joins any room. To serve other machines, run without --dev and give --keys.";
            if (!options.LoopbackPeersAllowed)
                yield return "confer: dev mode on a network address: TURN refuses loopback peers (every listener must be on loopback to allow them).";
        }
        if (options.AllowLoopbackPeers && !options.LoopbackOnly)
        {
            yield return "confer: WARNING: --allow-loopback-peers on a network address: anyone with TURN credentials can relay into " +
                "this host's loopback-only services.";
        }
    }

    /// <summary>
    /// Where to open the app, in one line, printed last so it is what an operator sees. The URL is HTTPS when it runs:
    /// under the certificate's own name when it has one, else the LAN address when bound to all interfaces (the
    /// address another laptop types), else the bound address; "on this machine" adds the localhost URL.
    /// </summary>
    public static string Open(ServerOptions options, Uri http, IPEndPoint? https, X509Certificate2? certificate, IReadOnlyList<IPAddress> lan)
    {
        bool all = IsAll(options.Bind);
        // On this machine plain http://localhost is a secure origin: it is the URL unless HTTP redirects to HTTPS.
        var local = https is not null && options.HttpRedirect ? Url("https", "localhost", https.Port) : Url("http", "localhost", http.Port);
        string? name = https is null || certificate is null ? null : PublicName(certificate);
        Uri open = name is not null ? Url("https", name, https!.Port)
            : all && lan.Count > 0 ? Url(https is null ? "http" : "https", lan[0].ToString(), https?.Port ?? http.Port)
            : IPAddress.IsLoopback(options.Bind) || all ? local
            : Url(https is null ? "http" : "https", options.Bind.ToString(), https?.Port ?? http.Port);
        return open == local || name is not null // a named certificate may not cover localhost: its name is the one URL
            ? $"confer: open {open} in a browser (Ctrl-C to stop)"
            : $"confer: open {open} in a browser; on this machine {local} (Ctrl-C to stop)";
    }

    /// <summary>What each web port serves, the certificate, and why other machines get no camera without HTTPS.</summary>
    public static IEnumerable<string> WebPorts(ServerOptions options, Uri http, IPEndPoint? https, X509Certificate2? certificate)
    {
        string plain = options.Dev && !options.BindGiven ? $"localhost:{http.Port}" : ConferHost.Describe(options.Bind, http.Port);
        if (https is not null)
        {
            string where = options.Dev && !options.BindGiven && IPAddress.IsLoopback(https.Address) ? $"localhost:{https.Port}" : ConferHost.Describe(https.Address, https.Port);
            yield return $"confer: HTTPS on {where}: web app, SDK, /rtc, /api; TURN over TLS and TCP on the same port";
            yield return options.HttpRedirect
                ? $"confer: HTTP on {plain}: redirects to HTTPS (/healthz, /metrics and ACME's HTTP-01 stay)"
                : $"confer: HTTP on {plain}: web app, SDK, /rtc, /api (a secure origin on this machine only: other machines need HTTPS for the camera)";
            if (certificate is not null) yield return Certificate(options, certificate);
            yield break;
        }
        yield return $"confer: HTTP on {plain}: web app, SDK, /rtc, /api";
        if (!IPAddress.IsLoopback(options.Bind))
            yield return "confer: no HTTPS: browsers on other machines refuse the camera over plain HTTP; give --tls-cert and --tls-key.";
    }

    /// <summary>The cluster this node joined (<c>--cluster</c>): Redis by host and port only (never its password) and this node's address.</summary>
    public static string Cluster(ServerOptions options)
    {
        Confer.Cluster.ClusterSettings.TryParseRedis(options.Cluster.Redis!, out var redis);
        var node = ConferHost.Describe(options.Cluster.AdvertisedAddress(options.Bind), options.Cluster.Port);
        return $"confer: cluster '{options.Cluster.Id}' on Redis {string.Join(", ", redis.EndPoints.Select(e => e is DnsEndPoint d ? $"{d.Host}:{d.Port}" : e.ToString()))}: this node is {node} (docs/scale-out.md)";
    }

    private static bool IsAll(IPAddress bind) => bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any);

    private static string Certificate(ServerOptions options, X509Certificate2 certificate)
    {
        if (options.TlsCert is null && options.Dev)
            return $"confer: dev certificate, self-signed (the browser warns once): SHA-256 {Tls.CertificateFiles.Fingerprint(certificate)}";
        string from = options.TlsCert is null ? "" : $" from {options.TlsCert} (reloaded when it changes)";
        return $"confer: certificate {certificate.GetNameInfo(X509NameType.SimpleName, false)}, valid until {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}{from}";
    }

    /// <summary>The first DNS name of the certificate that a browser can open (not localhost, not a wildcard).</summary>
    private static string? PublicName(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension is not X509SubjectAlternativeNameExtension names) continue;
            foreach (var name in names.EnumerateDnsNames())
                if (name != "localhost" && !name.StartsWith('*')) return name;
        }
        return null;
    }

    private static Uri Url(string scheme, string host, int port) => new UriBuilder(scheme, host, port).Uri;
}
