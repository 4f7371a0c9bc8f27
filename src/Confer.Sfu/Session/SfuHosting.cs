using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Confer.Sfu.Session;

/// <summary>DI for the whole SFU: its transports on the media port and the <see cref="SfuService"/> signaling talks to.</summary>
public static class SfuHosting
{
    /// <summary>Registers the SFU; <paramref name="options"/> says where clients reach the media port.</summary>
    public static IServiceCollection AddConferSfu(this IServiceCollection services, Func<IServiceProvider, SfuServiceOptions> options)
    {
        services.AddConferSfuTransports();
        services.TryAddSingleton(sp => new SfuService(sp.GetRequiredService<SfuTransports>(), options(sp),
            sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetService<ILoggerFactory>() ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));
        return services;
    }
}
