using Confer.Turn.Transport;

namespace Confer.Server.Turn;

/// <summary>Starts the relay engine's TCP listener with the host and ends its connections when the host stops.</summary>
internal sealed class TurnTcpService(TcpEngineListener listener, IPacketHandler handler, ILogger<TurnTcpService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        listener.Start(handler, logger);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await listener.DisposeAsync();
}
