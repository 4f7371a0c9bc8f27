using Confer.Turn.Transport;

namespace Confer.Server.Turn;

/// <summary>Runs the UDP receive loops while the host runs; stopping closes the sockets.</summary>
internal sealed class TurnUdpService(UdpListenerSet listeners, IPacketHandler handler, ILogger<TurnUdpService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        listeners.Start(handler, logger);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await listeners.DisposeAsync();
}
