using Confer.Transport;
using Confer.Transport.Udp;

namespace Confer.Server.Turn;

/// <summary>Runs the UDP receive loops (the main port and any <c>--turn-udp-port</c>) while the host runs; stopping closes the sockets.</summary>
internal sealed class TurnUdpService(UdpListenerSet listeners, ExtraUdpListeners extra, IPacketHandler handler, TransportRuntime transport, ILogger<TurnUdpService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        listeners.Start(handler, transport.Engine, logger);
        foreach (var set in extra.Sets) set.Start(handler, transport.Engine, logger);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await listeners.DisposeAsync();
        await extra.DisposeAsync();
    }
}
