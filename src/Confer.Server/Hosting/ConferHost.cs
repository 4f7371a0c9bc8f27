using System.Net;
using System.Net.Sockets;
using Confer.Server.Signaling;
using Confer.Server.Tls;
using Confer.Server.Web;
using Confer.Server.Turn;

namespace Confer.Server.Hosting;

/// <summary>
/// Builds and starts the one Confer process: Kestrel for HTTP (and later TURN over TCP/TLS), plus the
/// STUN/TURN UDP listeners. Tests start it in-process with port 0.
/// </summary>
public static class ConferHost
{
    public static WebApplication Build(ServerOptions options, string[]? args = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args ?? [] });
        if (options.Configuration is { } configuration)
        {
            // confer serve: the one configuration (file < CONFER_ environment < flags) replaces the host's defaults.
            builder.Configuration.Sources.Clear();
            builder.Configuration.AddConfiguration(configuration);
        }
        builder.Services.AddSingleton(options);
        builder.AddConferHttps(options); // ServerCertificates with its first certificate, and the HTTPS listener
        Confer.Server.Acme.AcmeHosting.AddConferAcme(builder.Services, options); // --domain: certificates over ACME
        builder.Services.AddConferSignaling(options);
        // --cluster: an Orleans silo beside Kestrel and the cluster's router (docs/scale-out.md); without it nothing of Orleans starts.
        if (options.Cluster.Enabled)
        {
            Confer.Cluster.ClusterHosting.AddConferCluster(builder, options.Cluster, options.Bind, options.Cluster.ResolvedNodeName);
            // Resume tokens every node can open, so a room whose node died is made again from its participants' resumes.
            builder.Services.AddSingleton(new Confer.Signaling.Rooms.ResumeSeal(options.TurnSecret));
        }
        builder.AddConferLogging(options); // simple or JSON lines; ASP.NET's request logs (URLs with tokens) kept quiet
        Confer.Server.Webhooks.WebhookServices.AddConferWebhooks(builder.Services);
        if (InlineIo.Enabled) builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // --dev without --bind: 127.0.0.1 and ::1 where the machine has it (Kestrel's "localhost"); port 0 cannot be
            // shared between two sockets that way, so tests with port 0 get 127.0.0.1 alone.
            if (options.Dev && !options.BindGiven && options.HttpPort != 0) k.ListenLocalhost(options.HttpPort);
            else k.Listen(options.Bind, options.HttpPort);
        });
        builder.AddConferTurn(options);
        builder.AddConferMetrics(options); // after the HTTP listener: HttpAddress takes the first address bound
        builder.Services.AddConferDrain(options);

        var app = builder.Build();
        app.UseConferHttpHardening(); // first: every response below gets the security headers and the body limit
        app.Services.GetRequiredService<TurnEndpoints>(); // owns the bound UDP sockets: dispose them with the app
        app.UseConferHttps(); // plain HTTP redirects to HTTPS when both run; ACME's HTTP-01 answers
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapConferReadiness();
        app.MapConferSignaling();
        app.MapConferMetrics();
        app.MapConferWebApp();
        return app;
    }

    /// <summary>The HTTP address actually bound (useful with port 0).</summary>
    public static Uri HttpAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        var uri = new Uri(addresses.First(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)));
        var host = uri.Host is "0.0.0.0" or "[::]" ? "127.0.0.1" : uri.Host;
        return new UriBuilder(uri) { Host = host }.Uri;
    }

    /// <summary>The HTTPS address actually bound (useful with port 0), or null when HTTPS does not run.</summary>
    public static Uri? HttpsAddress(WebApplication app)
    {
        if (app.Services.GetRequiredService<HttpsListener>().EndPoint is not { } endPoint) return null;
        var host = endPoint.Address.Equals(IPAddress.Any) || endPoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.Loopback : endPoint.Address;
        return new UriBuilder("https", host.ToString(), endPoint.Port).Uri;
    }

    /// <summary>The STUN/TURN addresses actually bound (useful with port 0).</summary>
    public static TurnEndpoints Turn(WebApplication app) => app.Services.GetRequiredService<TurnEndpoints>();

    /// <summary>True when the exception (or an inner one) says an address is already in use.</summary>
    public static bool IsAddressInUse(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }) return true;
            if (x is IOException && x.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    internal static string Describe(IPAddress bind, int port) =>
        bind.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{bind}]:{port}" : $"{bind}:{port}";
}
