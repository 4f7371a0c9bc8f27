using System.Security.Cryptography;
using Confer.Server.Hosting;
using Confer.Signaling;
using Confer.Signaling.Auth;
using Confer.Signaling.Rooms;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
        services.TryAddSingleton<IRoomStore, InMemoryRoomStore>();
        services.AddSingleton<RoomManager>();
        services.AddSingleton(sp => new AccessTokenValidator(options.Signaling.Keys, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IceServerFactory>();
        return services;
    }

    public static WebApplication MapConferSignaling(this WebApplication app)
    {
        app.UseWebSockets();
        app.Map("/rtc", RtcEndpoint.HandleAsync);
        app.MapGet("/rtc/validate", RtcEndpoint.ValidateAsync);
        RoomApi.Map(app);
        TokenEndpoint.Map(app);
        return app;
    }
}
