using Confer.Server.Hosting;
using Confer.Server.Tls;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Confer.Server.Acme;

/// <summary>
/// Hooks ACME into the host: the certificate service when <c>--domain</c> is given. The answers it publishes in
/// <see cref="ServerCertificates"/> are served by the HTTPS host (<see cref="HttpsHosting"/>): HTTP-01 on plain HTTP
/// (RFC 8555 §8.3), and the TLS-ALPN-01 certificate (RFC 8737 §3) to handshakes that offer "acme-tls/1".
/// </summary>
public static class AcmeHosting
{
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
}
