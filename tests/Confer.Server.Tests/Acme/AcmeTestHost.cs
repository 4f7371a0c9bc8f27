using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Confer.Server.Hosting;
using Confer.Server.Tls;

namespace Confer.Server.Tests.Acme;

/// <summary>
/// A real Confer host with a certificate to be obtained (as with <c>--domain</c>, but without its ACME service, which
/// the tests drive themselves): its HTTPS listener answers "acme-tls/1" handshakes with the pending challenge
/// certificate and serves <see cref="ServerCertificates.Current"/> to everyone else; its plain HTTP listener answers
/// HTTP-01. Everything on 127.0.0.1, port 0.
/// </summary>
internal sealed class AcmeTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AcmeTestHost(WebApplication app, ServerCertificates certificates, int httpPort, int tlsPort)
    {
        _app = app;
        Certificates = certificates;
        HttpPort = httpPort;
        TlsPort = tlsPort;
    }

    public ServerCertificates Certificates { get; }
    public int HttpPort { get; }
    public int TlsPort { get; }

    public static async Task<AcmeTestHost> StartAsync()
    {
        var options = new ServerOptions
        {
            Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0, TurnOnly = true, ObtainsCertificate = true,
        };
        var app = ConferHost.Build(options);
        await app.StartAsync();
        return new AcmeTestHost(app, app.Services.GetRequiredService<ServerCertificates>(),
            ConferHost.HttpAddress(app).Port, ConferHost.HttpsAddress(app)!.Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
