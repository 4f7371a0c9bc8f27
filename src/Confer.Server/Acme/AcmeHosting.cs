using System.Net.Security;
using Confer.Server.Hosting;
using Confer.Server.Tls;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Confer.Server.Acme;

/// <summary>
/// Hooks ACME into the host: the certificate service when <c>--domain</c> is given, the HTTP-01 answers
/// (RFC 8555 §8.3), and an HTTPS listener that serves <see cref="ServerCertificates.Current"/> to every handshake and
/// the TLS-ALPN-01 certificate (RFC 8737 §3) to handshakes that offer "acme-tls/1" for a pending domain.
/// </summary>
public static class AcmeHosting
{
    private const string AcmeTls1Offered = "confer.acme-tls/1";

    /// <summary>Registers <see cref="AcmeCertificateService"/> when <see cref="ServerOptions.AcmeDomains"/> is not empty.</summary>
    public static IServiceCollection AddConferAcme(this IServiceCollection services, ServerOptions options)
    {
        services.TryAddSingleton<ServerCertificates>();
        if (options.AcmeDomains.Count == 0) return services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(AcmeSettings.From(options));
        services.AddHostedService<AcmeCertificateService>();
        return services;
    }

    /// <summary>RFC 8555 §8.3: GET /.well-known/acme-challenge/{token} answers the key authorization while the order is pending.</summary>
    public static IEndpointRouteBuilder MapConferAcmeChallenges(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/.well-known/acme-challenge/{token}", (string token, ServerCertificates certificates) =>
            certificates.HttpChallenge(token) is { } keyAuthorization
                ? Results.Text(keyAuthorization, "application/octet-stream")
                : Results.NotFound());
        return endpoints;
    }

    /// <summary>
    /// TLS on <paramref name="listen"/> from <paramref name="certificates"/>: the ClientHello is read first (without
    /// consuming it, within <paramref name="handshakeTimeout"/>) to learn whether it offers "acme-tls/1", then the
    /// handshake serves the challenge certificate to such a client, and the current certificate to everyone else.
    /// </summary>
    public static ListenOptions UseConferHttps(this ListenOptions listen, ServerCertificates certificates, TimeProvider time, TimeSpan handshakeTimeout)
    {
        listen.Use(next => async connection =>
        {
            await PeekAsync(connection, time, handshakeTimeout);
            await next(connection);
        });
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            HandshakeTimeout = handshakeTimeout,
            OnConnection = context => ValueTask.FromResult(Select(context.Connection, context.ClientHelloInfo.ServerName, certificates)),
        });
        return listen;
    }

    internal static SslServerAuthenticationOptions Select(ConnectionContext connection, string? serverName, ServerCertificates certificates)
    {
        if (connection.Items.ContainsKey(AcmeTls1Offered) && !string.IsNullOrEmpty(serverName) && certificates.AlpnChallenge(serverName) is { } challenge)
            return new SslServerAuthenticationOptions { ServerCertificate = challenge, ApplicationProtocols = [ServerCertificates.AcmeTls1] };
        var current = certificates.CurrentContext
            ?? throw new InvalidOperationException("No TLS certificate yet (the ACME order is still running).");
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = current,
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
        };
    }

    private static async Task PeekAsync(ConnectionContext connection, TimeProvider time, TimeSpan timeout)
    {
        var input = connection.Transport.Input;
        using var cts = new CancellationTokenSource(timeout, time);
        try
        {
            for (int reads = 0; reads < 64; reads++) // a ClientHello record is at most 16 KiB: a few reads, never an endless loop
            {
                var read = await input.ReadAsync(cts.Token);
                var state = ClientHelloAlpn.TryRead(read.Buffer, out bool acme);
                if (state == ClientHelloAlpn.Result.NeedMore && !read.IsCompleted)
                {
                    input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                    continue;
                }
                input.AdvanceTo(read.Buffer.Start); // nothing consumed: the TLS handshake reads the same bytes
                if (state == ClientHelloAlpn.Result.Done && acme) connection.Items[AcmeTls1Offered] = true;
                return;
            }
        }
        catch (OperationCanceledException) { } // the handshake's own timeout closes the connection
    }
}
