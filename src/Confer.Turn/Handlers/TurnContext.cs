using Confer.Turn.Allocations;
using Confer.Turn.Auth;
using Microsoft.Extensions.Logging;

namespace Confer.Turn.Handlers;

/// <summary>What the TURN method handlers share: options, the allocation table, peer policy, time, metrics.</summary>
internal sealed class TurnContext(TurnOptions options, AllocationTable allocations, PeerPolicy policy, TimeProvider time, TurnMetrics metrics, ILogger logger)
{
    public TurnOptions Options { get; } = options;
    public AllocationTable Allocations { get; } = allocations;
    public PeerPolicy Policy { get; } = policy;
    public TimeProvider Time { get; } = time;
    public TurnMetrics Metrics { get; } = metrics;
    public ILogger Logger { get; } = logger;
    public long Now => Time.GetUtcNow().UtcTicks;

    /// <summary>RFC 6062 peer connections waiting for ConnectionBind.</summary>
    public TcpConnectionTable Connections => Allocations.Connections;
}
