using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Confer.Server.Hosting;

/// <summary>The <c>Metrics</c> configuration section: who may read <c>/metrics</c>.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Bearer token a scraper sends (<c>Metrics:Token</c>); when set, every caller needs it, from anywhere.</summary>
    public string? Token { get; set; }

    /// <summary>A file holding the token (<c>Metrics:TokenFile</c>), read once at start, surrounding whitespace trimmed.</summary>
    public string? TokenFile { get; set; }
}

/// <summary>
/// <c>/metrics</c> is not public: room and participant counts, traffic and process figures are for the operator.
/// Without a token it answers loopback callers only (a scraper on the same host); with <c>Metrics:Token</c> or
/// <c>Metrics:TokenFile</c> it answers whoever sends <c>Authorization: Bearer &lt;token&gt;</c>, compared in constant time.
/// </summary>
internal sealed class MetricsAccess
{
    private readonly byte[]? _tokenHash;
    private readonly Without _without;

    /// <summary>Who may read without a token: callers on this host (the HTTP port's default), nobody, or anyone.</summary>
    private enum Without { LocalCallers, Nobody, Anyone }

    private MetricsAccess(string? token, Without without = Without.LocalCallers)
    {
        _tokenHash = token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
        _without = without;
    }

    private MetricsAccess(byte[]? tokenHash, Without without)
    {
        _tokenHash = tokenHash;
        _without = without;
    }

    /// <summary>
    /// The access of the metrics listener (<c>--metrics-port</c>): the same token when one is set, else every caller that
    /// reaches it (its bind address, loopback by default, is the boundary).
    /// </summary>
    public MetricsAccess ForMetricsListener() => new(_tokenHash, Without.Anyone);

    public bool HasToken => _tokenHash is not null;

    /// <summary>Reads the section; an unusable setting stops the start with one sentence.</summary>
    /// <param name="metricsListener">True when a metrics listener serves /metrics: the HTTP port then answers only the token.</param>
    public static MetricsAccess From(IConfiguration configuration, bool metricsListener = false)
    {
        var access = Read(configuration);
        return metricsListener ? new MetricsAccess(access._tokenHash, Without.Nobody) : access;
    }

    private static MetricsAccess Read(IConfiguration configuration)
    {
        var options = new MetricsOptions();
        configuration.GetSection(MetricsOptions.Section).Bind(options);
        if (options.Token is { Length: > 0 } && options.TokenFile is { Length: > 0 })
            throw Invalid("give Metrics:Token or Metrics:TokenFile, not both.");
        if (options.TokenFile is { Length: > 0 } file)
        {
            if (!File.Exists(file)) throw Invalid($"Metrics:TokenFile {file}: no such file.");
            var text = File.ReadAllText(file).Trim();
            if (text.Length == 0) throw Invalid($"Metrics:TokenFile {file} is empty: put the bearer token in it.");
            return new MetricsAccess(text);
        }
        return new MetricsAccess(options.Token is { Length: > 0 } token ? token.Trim() : null);
    }

    private static OptionsValidationException Invalid(string problem) => new(MetricsOptions.Section, typeof(MetricsOptions), [problem]);

    /// <summary>Null when the request may read the metrics, else the status to answer (401 or 403).</summary>
    public int? Refusal(HttpContext ctx)
    {
        if (_tokenHash is null && _without == Without.Anyone) return null;
        if (_tokenHash is null && _without == Without.Nobody) return StatusCodes.Status404NotFound;
        if (_tokenHash is null)
            return IsLocalCaller(ctx.Connection.RemoteIpAddress, ctx.Request.Headers) ? null : StatusCodes.Status403Forbidden;
        var header = ctx.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return StatusCodes.Status401Unauthorized;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _tokenHash) ? null : StatusCodes.Status401Unauthorized;
    }

    /// <summary>
    /// True for a caller on this host: the connection comes from a loopback address (IPv4-mapped ones included) and
    /// carries no forwarding header. A reverse proxy on the same host connects from loopback on behalf of anyone, and
    /// says so in Forwarded / X-Forwarded-For / X-Real-IP: such a request is not local.
    /// </summary>
    internal static bool IsLocalCaller(IPAddress? remote, IHeaderDictionary headers)
    {
        if (remote is null) return false;
        if (remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
        if (!IPAddress.IsLoopback(remote)) return false;
        return !headers.ContainsKey("Forwarded") && !headers.ContainsKey("X-Forwarded-For") && !headers.ContainsKey("X-Real-IP");
    }

    /// <summary>Wraps the endpoint: refused requests get their status and one line, the rest reach <paramref name="inner"/>.</summary>
    public RequestDelegate Guard(RequestDelegate inner) => async ctx =>
    {
        switch (Refusal(ctx))
        {
            case null:
                await inner(ctx);
                break;
            case StatusCodes.Status401Unauthorized:
                ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                ctx.Response.Headers.WWWAuthenticate = "Bearer";
                await ctx.Response.WriteAsync("metrics need Authorization: Bearer <Metrics:Token>\n");
                break;
            case StatusCodes.Status404NotFound:
                ctx.Response.StatusCode = StatusCodes.Status404NotFound;
                await ctx.Response.WriteAsync("metrics are served on the metrics port (--metrics-port); set Metrics:Token to scrape them here too\n");
                break;
            case { } status:
                ctx.Response.StatusCode = status;
                await ctx.Response.WriteAsync("metrics are served to callers on this host only; set Metrics:Token (or Metrics:TokenFile) to scrape from elsewhere\n");
                break;
        }
    };
}
