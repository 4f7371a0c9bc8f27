using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Net;
using Confer.Server.Acme;
using Confer.Server.Tls;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Confer.Server.Tests.Acme;

/// <summary>
/// What the HTTPS host does with <see cref="ServerCertificates"/>, on its own Kestrel: a TLS listener that answers
/// "acme-tls/1" handshakes with the pending challenge certificate and serves <see cref="ServerCertificates.Current"/>
/// to everyone else, and a plain HTTP listener with the HTTP-01 answers. Both on 127.0.0.1, port 0.
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
        var certificates = new ServerCertificates();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Listen(IPAddress.Loopback, 0, listen => listen.UseConferHttps(certificates, TimeProvider.System, TimeSpan.FromSeconds(10)));
        });
        builder.Services.AddSingleton(certificates);
        var app = builder.Build();
        app.MapConferAcmeChallenges();
        app.MapGet("/", () => "confer");
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToArray();
        return new AcmeTestHost(app, certificates,
            addresses.Single(a => a.Scheme == "http").Port, addresses.Single(a => a.Scheme == "https").Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
