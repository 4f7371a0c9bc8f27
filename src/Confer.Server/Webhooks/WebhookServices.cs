using Confer.Signaling.Events;

namespace Confer.Server.Webhooks;

/// <summary>Wires webhooks into the host: the dispatcher (a hosted service) and the room-event observer feeding it.</summary>
public static class WebhookServices
{
    public static IServiceCollection AddConferWebhooks(this IServiceCollection services)
    {
        services.AddSingleton<WebhookMetrics>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        services.AddSingleton<WebhookObserver>();
        services.AddSingleton<IRoomEventObserver>(sp => sp.GetRequiredService<WebhookObserver>());
        return services;
    }
}
