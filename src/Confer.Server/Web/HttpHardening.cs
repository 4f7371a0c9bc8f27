using Microsoft.AspNetCore.Http.Features;

namespace Confer.Server.Web;

/// <summary>
/// What every HTTP response carries and every request body may weigh. The meeting app runs under a strict
/// Content-Security-Policy (its scripts and styles are files from this origin: no inline code, no eval, no
/// framing); no response is sniffed into another type or leaks its URL as a referrer; and a request body larger
/// than <see cref="MaxRequestBodyBytes"/> is refused with 413 before it is read, whatever its framing. With a real
/// certificate, HTTPS responses also say to use nothing but HTTPS from now on (<see cref="StrictTransportSecurity"/>).
/// </summary>
public static class HttpHardening
{
    /// <summary>
    /// The policy of every response. <c>connect-src 'self'</c> covers the signaling WebSocket on the same host
    /// (CSP Level 3 lets 'self' match ws:/wss: of the page's own host); ICE is not fetched, so no directive needs it.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; connect-src 'self'; " +
        "manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Largest request body (the server API and <c>/api/token</c> take small JSON documents).</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    /// <summary>
    /// HSTS (RFC 6797) on HTTPS responses when plain HTTP redirects to HTTPS (a real certificate): a browser that has been
    /// here once never tries plain HTTP again. One year, this host only; never with --dev's self-signed certificate.
    /// </summary>
    public const string StrictTransportSecurity = "max-age=31536000";

    public static WebApplication UseConferHttpHardening(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<Confer.Server.Hosting.ServerOptions>();
        bool hsts = options.HasCertificateSource && options.HttpRedirect;
        app.Use(async (ctx, next) =>
        {
            var headers = ctx.Response.Headers;
            if (hsts && ctx.Request.IsHttps) headers.StrictTransportSecurity = StrictTransportSecurity;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY"; // frame-ancestors for browsers that predate it
            headers["Referrer-Policy"] = "no-referrer";

            if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = MaxRequestBodyBytes; // Kestrel stops reading past it (chunked bodies too)
            if (ctx.Request.ContentLength > MaxRequestBodyBytes)
            {
                ctx.Response.StatusCode = StatusCodes.Status413PayloadTooLarge; // said before a byte of the body is read
                return;
            }
            try
            {
                await next(ctx);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && !ctx.Response.HasStarted)
            {
                ctx.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            }
        });
        return app;
    }
}
