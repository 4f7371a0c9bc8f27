using Confer.Sfu.Ice;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Confer.Sfu.Session;

/// <summary>DI for the SFU's media transports.</summary>
public static class SfuTransportsHosting
{
    /// <summary>
    /// Registers <see cref="SfuTransports"/> as the media port's <see cref="IMediaPacketSink"/> and the ICE table's
    /// <see cref="IIceSessionListener"/>, replacing whatever is there (so it works before or after AddConferMediaPort,
    /// whose registrations are TryAdd). The ICE table is resolved lazily: it needs the listener to be built.
    /// </summary>
    public static IServiceCollection AddConferSfuTransports(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new SfuTransports(
            () => sp.GetRequiredService<IceSessionTable>(),
            new SfuTransportOptions(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILoggerFactory>()));
        services.Replace(ServiceDescriptor.Singleton<IMediaPacketSink>(sp => sp.GetRequiredService<SfuTransports>()));
        services.Replace(ServiceDescriptor.Singleton<IIceSessionListener>(sp => sp.GetRequiredService<SfuTransports>()));
        return services;
    }
}
