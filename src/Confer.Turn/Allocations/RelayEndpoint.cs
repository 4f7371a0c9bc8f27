using System.Net;
using System.Net.Sockets;

namespace Confer.Turn.Allocations;

/// <summary>
/// One relayed transport address of an allocation: its socket and its own expiry. A dual allocation
/// (RFC 8656 §7.2, ADDITIONAL-ADDRESS-FAMILY) has one per address family, and a Refresh with
/// REQUESTED-ADDRESS-FAMILY (RFC 8656 §7.3) extends or deletes one of them alone. Closing the socket
/// frees its port.
/// </summary>
public sealed class RelayEndpoint(Socket socket) : IDisposable
{
    private long _expires;
    private int _closed;

    public Socket Socket { get; } = socket;

    public TransportAddress Relayed { get; } = TransportAddress.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);

    public bool IsIPv6 => Relayed.IsIPv6;

    public long ExpiresTicks { get => Volatile.Read(ref _expires); set => Volatile.Write(ref _expires, value); }

    /// <summary>Closed by a Refresh of this family with lifetime 0, by its own expiry, or with the allocation.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Open and not expired at <paramref name="now"/>.</summary>
    public bool IsLive(long now) => !IsClosed && now < ExpiresTicks;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        Socket.Dispose();
    }
}
