using System.Buffers;
using System.Net;
using Confer.Server.Turn;
using System.Net.Security;
using System.Security.Authentication;
using Confer.Server.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace Confer.Server.Tls;

/// <summary>
/// Wires HTTPS into the host: the first certificate (PEM files or the --dev self-signed one) installed into
/// <see cref="ServerCertificates"/> at build time, the PEM reloader, and the HTTPS listener. Every handshake picks its
/// certificate from <see cref="ServerCertificates.CurrentContext"/>, so an install takes effect at the next one. The
/// listener speaks h2 and http/1.1 (http/1.1 only on a clustered node, see <see cref="Http1Only"/>), and answers TLS-ALPN-01 (RFC 8737): a ClientHello offering "acme-tls/1" for a
/// name with a pending challenge gets that challenge's certificate and the connection is closed after the handshake.
/// The same listener serves TURN over TLS and over plain TCP (<see cref="SharedPort"/>: one port for everything).
/// </summary>
internal static class HttpsHosting
{
    private static readonly object AlpnKey = new();

    /// <summary>
    /// A clustered node speaks HTTP/1.1 only on its HTTPS port. Over HTTP/2 a browser carries the signaling WebSocket
    /// inside the page's connection (RFC 8441); when the node behind a TCP load balancer hangs, every reconnect goes
    /// into that same hung connection until the browser gives it up (about 20 s with Chromium). Over HTTP/1.1 each
    /// WebSocket opens a connection of its own, which the load balancer sends to a live node (docs/scale-out.md).
    /// </summary>
    internal static bool Http1Only(ServerOptions options) => options.Cluster.Enabled;

    /// <summary>Registers <see cref="ServerCertificates"/> with its first certificate; an unusable one stops the start with one sentence.</summary>
    public static ServerCertificates AddConferHttps(this WebApplicationBuilder builder, ServerOptions options)
    {
        var certificates = new ServerCertificates();
        var listener = new HttpsListener();
        builder.Services.AddSingleton(certificates);
        builder.Services.AddSingleton(listener);
        InstallFirst(options, certificates, TimeProvider.System.GetUtcNow());
        if (options.TlsCert is { } cert && options.TlsKey is { } key)
        {
            builder.Services.AddHostedService(sp => new PemCertificateReloader(cert, key, certificates,
                sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<PemCertificateReloader>>(), options.TlsReloadDelay));
        }
        if (!options.HasCertificateSource) return certificates;

        builder.WebHost.ConfigureKestrel(k =>
        {
            var time = k.ApplicationServices.GetService<TimeProvider>() ?? TimeProvider.System;
            var shared = new SharedPort(k.ApplicationServices, time);
            var http1Only = Http1Only(options);
            void Configure(ListenOptions l)
            {
                l.Protocols = http1Only ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
                l.Use(next => ctx => shared.BeforeTlsAsync(ctx, next, ReadClientHello)); // TLS, or TURN over plain TCP
                l.UseHttps(Handshake(certificates, http1Only));
                // RFC 8737 §3: for acme-tls/1 the handshake is the whole answer; else HTTPS, or TURN over TLS.
                l.Use(next => ctx => IsAcmeTls1(ctx) ? Task.CompletedTask : shared.AfterTlsAsync(ctx, next));
                listener.Add(l);
            }
            // --dev without --bind: 127.0.0.1 and ::1 like the HTTP listener; port 0 binds the one address.
            if (options.Dev && !options.BindGiven && options.HttpsPort != 0) k.ListenLocalhost(options.HttpsPort, Configure);
            else k.Listen(options.Bind, options.HttpsPort, Configure);
        });
        return certificates;
    }

    /// <summary>The PEM files when given, else the --dev self-signed certificate, else nothing yet.</summary>
    private static void InstallFirst(ServerOptions options, ServerCertificates certificates, DateTimeOffset now)
    {
        if (options.TlsCert is { } cert && options.TlsKey is { } key)
        {
            try
            {
                var loaded = CertificateFiles.LoadFiles(cert, key, now);
                certificates.Install(loaded.Certificate, loaded.Chain);
            }
            catch (CertificateFileException e)
            {
                throw new OptionsValidationException("Tls", typeof(ServerOptions), [$"--tls-cert {cert} / --tls-key {key}: {e.Message}"]);
            }
        }
        else if (options.Dev)
        {
            certificates.Install(DevCertificate.Create(options.Bind, now));
        }
    }

    /// <summary>Maps ACME's HTTP-01 answers and, when HTTPS runs, redirects plain HTTP to it.</summary>
    public static WebApplication UseConferHttps(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<ServerOptions>();
        var certificates = app.Services.GetRequiredService<ServerCertificates>();
        var listener = app.Services.GetRequiredService<HttpsListener>();
        if (options.HasCertificateSource && options.HttpRedirect)
        {
            app.Use((ctx, next) =>
            {
                if (ctx.Request.IsHttps || StaysOnHttp(ctx.Request.Path) || listener.Port is not { } port) return next(ctx);
                // 308 keeps the method and body (RFC 9110 §15.4.9); the port is left out when it is HTTPS's own.
                // HTTP/1.0 may send no Host: then the address the client reached.
                string name = ctx.Request.Host.HasValue ? ctx.Request.Host.Host : new HostString(ctx.Connection.LocalIpAddress?.ToString() ?? "localhost", 1).Host;
                var host = port == 443 ? new HostString(name) : new HostString(name, port);
                ctx.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
                ctx.Response.Headers.Location = $"https://{host}{ctx.Request.PathBase}{ctx.Request.Path}{ctx.Request.QueryString}";
                return Task.CompletedTask;
            });
        }
        // RFC 8555 §8.3: GET /.well-known/acme-challenge/{token} answers the key authorization, over plain HTTP (port 80).
        app.MapGet("/.well-known/acme-challenge/{token}", (string token) =>
            certificates.HttpChallenge(token) is { } answer ? Results.Text(answer, "application/octet-stream") : Results.NotFound());
        return app;
    }

    /// <summary>What plain HTTP still serves when it redirects the rest: probes, the local scraper, and ACME's HTTP-01.</summary>
    internal static bool StaysOnHttp(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics")
        || path.StartsWithSegments("/.well-known/acme-challenge");

    private static TlsHandshakeCallbackOptions Handshake(ServerCertificates certificates, bool http1Only) => new()
    {
        HandshakeTimeout = TimeSpan.FromSeconds(10),
        OnConnection = context =>
        {
            context.Connection.Items.TryGetValue(AlpnKey, out var offered);
            if (offered is IReadOnlyList<SslApplicationProtocol> alpn
                && alpn.Contains(ServerCertificates.AcmeTls1)
                && context.ClientHelloInfo.ServerName is { Length: > 0 } name && certificates.AlpnChallenge(name) is { } challenge)
            {
                return ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificate = challenge,
                    ApplicationProtocols = [ServerCertificates.AcmeTls1], // RFC 8737 §3: the only protocol of this handshake
                });
            }
            var current = certificates.CurrentContext
                ?? throw new AuthenticationException("No certificate yet: HTTPS serves handshakes once one is installed.");
            // A TURN client's ClientHello offers "stun.turn" (RFC 7443): the same port answers it as TURN over TLS.
            bool turn = offered is IReadOnlyList<SslApplicationProtocol> ids && SharedPort.OffersTurn(ids);
            return ValueTask.FromResult(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = current,
                ApplicationProtocols = turn ? [TurnCertificate.StunTurn, TurnCertificate.StunNatDiscovery]
                    : http1Only ? [SslApplicationProtocol.Http11] : [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
            });
        },
    };

    /// <summary>
    /// Reads the ALPN ids of the ClientHello without consuming a byte (SslStream reads it next): true once the first
    /// record is parsed or is not a ClientHello (bounded by <see cref="SharedPort"/>: one record of at most 16 KiB,
    /// within its timeout).
    /// </summary>
    private static bool ReadClientHello(ReadOnlySequence<byte> buffer, ConnectionContext ctx)
    {
        var status = ClientHello.TryRead(buffer, out var alpn);
        if (status == ClientHello.Status.Parsed) ctx.Items[AlpnKey] = alpn;
        return status != ClientHello.Status.Incomplete;
    }

    private static bool IsAcmeTls1(ConnectionContext ctx) =>
        ctx.Features.Get<ITlsApplicationProtocolFeature>() is { } tls && tls.ApplicationProtocol.Span.SequenceEqual(ServerCertificates.AcmeTls1.Protocol.Span);
}

/// <summary>The HTTPS listener's address once bound (with port 0, Kestrel writes the chosen port back).</summary>
public sealed class HttpsListener
{
    private readonly List<ListenOptions> _listeners = [];

    internal void Add(ListenOptions listener)
    {
        lock (_listeners) _listeners.Add(listener);
    }

    /// <summary>The bound endpoint, or null when HTTPS does not run (no certificate source) or has not started.</summary>
    public IPEndPoint? EndPoint
    {
        get
        {
            lock (_listeners) return _listeners.Count == 0 ? null : _listeners[0].IPEndPoint is { Port: > 0 } e ? e : null;
        }
    }

    public int? Port => EndPoint?.Port;
}
