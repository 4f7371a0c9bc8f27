using Confer.Transport.Udp;

namespace Confer.Server.Turn;

/// <summary>
/// The sockets of <c>--turn-udp-port</c>: STUN/TURN over UDP on more ports than <c>--turn-port</c>, such as 443 for a
/// network whose firewall lets out only UDP and TCP to 443. Each is served like the main port (same dispatcher, same
/// allocations table); a client's allocation lives on the port it reached. Disposing closes them.
/// </summary>
internal sealed class ExtraUdpListeners(IReadOnlyList<UdpListenerSet> sets) : IAsyncDisposable
{
    public IReadOnlyList<UdpListenerSet> Sets { get; } = sets;

    public async ValueTask DisposeAsync()
    {
        foreach (var set in Sets) await set.DisposeAsync();
    }
}
