using Confer.Sfu.Ice;
using Confer.Transport;
using Confer.Turn.Handlers;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Confer.Server.Transport;

/// <summary>
/// Puts ICE-lite and the SFU's media in front of TURN on the media port (<see cref="MediaPortHandler"/>): the ICE session
/// table (options from the "Ice" section), the check handler, and the seams the SFU fills in later
/// (<see cref="IIceSessionListener"/>, <see cref="IMediaPacketSink"/>; registered with TryAdd so the SFU's win).
/// </summary>
internal static class MediaPortHosting
{
    public const string Section = "Ice";

    public static IServiceCollection AddConferMediaPort(this IServiceCollection services)
    {
        services.TryAddSingleton(sp =>
        {
            var options = new IceOptions();
            sp.GetService<IConfiguration>()?.GetSection(Section).Bind(options);
            if (options.Validate() is { } problem) throw new InvalidOperationException(problem);
            return options;
        });
        services.TryAddSingleton<IIceSessionListener>(NullIceSessionListener.Instance);
        services.TryAddSingleton<IMediaPacketSink, DroppingMediaPacketSink>();
        services.TryAddSingleton(sp => new IceSessionTable(sp.GetRequiredService<IceOptions>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IIceSessionListener>(), sp.GetRequiredService<ILogger<IceSessionTable>>()));
        services.TryAddSingleton(sp => new IceCheckHandler(sp.GetRequiredService<IceSessionTable>(), sp.GetRequiredService<ILogger<IceCheckHandler>>()));
        services.TryAddSingleton(sp => new MediaPortHandler(sp.GetRequiredService<StunDispatcher>(), sp.GetRequiredService<IceCheckHandler>(),
            sp.GetRequiredService<IceSessionTable>(), sp.GetRequiredService<IMediaPacketSink>()));
        services.AddSingleton<IPacketHandler>(sp => sp.GetRequiredService<MediaPortHandler>());
        services.TryAddSingleton(sp => new IceTcpConnections(sp.GetRequiredService<IceCheckHandler>(), sp.GetRequiredService<IceSessionTable>(),
            sp.GetRequiredService<IMediaPacketSink>(), sp.GetRequiredService<ILoggerFactory>(), sp.GetService<IHostApplicationLifetime>()));
        return services;
    }
}
