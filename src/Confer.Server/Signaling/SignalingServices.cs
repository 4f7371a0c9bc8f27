using System.Security.Cryptography;
using Confer.Server.Hosting;
using Confer.Signaling;
using Confer.Signaling.Auth;
using Confer.Signaling.Events;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Confer.Server.Signaling;

/// <summary>Wires signaling into the host: <c>AddConferSignaling</c> for services, <c>MapConferSignaling</c> for endpoints.</summary>
public static class SignalingServices
{
    public static IServiceCollection AddConferSignaling(this IServiceCollection services, ServerOptions options)
    {
        if (options.Dev && options.Signaling.Keys.Count == 0)
            options.Signaling.Keys.Add(ApiKeys.DevKey, ApiKeys.DevSecret);
        if (string.IsNullOrEmpty(options.TurnSecret))
            options.TurnSecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)); // shared in-process with the TURN server

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options.Signaling);
        // Room events: rooms raise them, one queue delivers them to every IRoomEventObserver (metrics first).
        services.AddConferMetricsRegistry(); // the host's own Prometheus registry (Hosting/MetricsRegistry.cs)
        services.TryAddSingleton<SignalingMetrics>();
        services.AddSingleton<IRoomEventObserver>(sp => sp.GetRequiredService<SignalingMetrics>());
        services.TryAddSingleton<ISignalingCounters>(sp => sp.GetRequiredService<SignalingMetrics>());
        services.AddSingleton<RoomEventQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<RoomEventQueue>());
        // Connections and the server API reach rooms only through the router; rooms live on this node.
        services.AddSingleton<RoomManager>();
        services.TryAddSingleton<IRoomRouter, LocalRouter>();
        services.AddSingleton(sp => new AccessTokenValidator(options.Signaling.Keys, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IceServerFactory>();
        services.AddSingleton<Whip.WhipSessions>();
        services.AddSingleton<Cluster.Routing.IWhipHost, Whip.WhipHost>();
        services.AddSingleton(sp => new TokenRateLimiter(options.Signaling, sp.GetRequiredService<TimeProvider>()));
        Hosts.HostEndpoints.AddConferHosts(services, options);
        return services;
    }

    /// <summary>An impossible "Signaling" setting: the host stops with this one sentence (as for every options section).</summary>
    private static OptionsValidationException Invalid(string problem) => new("Signaling", typeof(SignalingOptions), [problem]);

    public static WebApplication MapConferSignaling(this WebApplication app)
    {
        // Limits and keys may also come from configuration (appsettings, Signaling__X environment variables).
        var section = app.Configuration.GetSection("Signaling");
        var options = app.Services.GetRequiredService<SignalingOptions>();
        section.Bind(options);
        if (section["Keys"] is { Length: > 0 } keys && options.Keys.AddFrom(keys) is { } keyProblem)
            throw Invalid(keyProblem.Replace("--keys", "Signaling:Keys", StringComparison.Ordinal));
        if (options.Validate() is { } problem) throw Invalid(problem);
        if (SecretRules.Check(app.Services.GetRequiredService<ServerOptions>()) is { } weak) throw Invalid(weak);
        app.Lifetime.ApplicationStopping.Register(() => app.Services.GetRequiredService<IRoomRouter>().Shutdown());
        app.UseWebSockets();
        app.Map("/rtc", RtcEndpoint.HandleAsync);
        app.MapGet("/rtc/validate", RtcEndpoint.ValidateAsync);
        app.MapGet("/rtc/ice-servers", RtcEndpoint.IceServersAsync);
        RoomApi.Map(app);
        TokenEndpoint.Map(app);
        Hosts.HostEndpoints.Map(app);
        Whip.WhipEndpoint.Map(app);
        return app;
    }
}
