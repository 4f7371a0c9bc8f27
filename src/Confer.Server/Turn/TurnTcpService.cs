using Confer.Transport;
using Confer.Transport.Engine;
using Confer.Transport.Streams;

namespace Confer.Server.Turn;

/// <summary>Starts the epoll engine's TCP listener with the host and ends its connections when the host stops.</summary>
internal sealed class TurnTcpService(TcpEngineListener listener, IPacketHandler handler, IStreamFramer framer, StreamConnectionGuard guard, ILogger<TurnTcpService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        listener.Start(handler, framer, logger, guard);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await listener.DisposeAsync();
}
