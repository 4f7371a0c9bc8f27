using System.Net;
using System.Net.Sockets;
using Confer.Turn.Transport;

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

    /// <summary>The allocation whose peers' datagrams this address delivers; set when it joins the relay engine.</summary>
    internal Allocation? Owner { get; private set; }

    /// <summary>The relay engine's slot for this address; -1 when not registered.</summary>
    internal int EngineSlot { get; set; } = -1;

    /// <summary>The relay engine worker serving this address while registered.</summary>
    internal int EngineWorker { get; set; }

    private UdpRelayEngine? _engine;

    /// <summary>
    /// Hands the socket to the relay engine; false when the engine cannot take it (the caller runs its own loop).
    /// The engine is noted before it registers, so a Dispose racing with this always unregisters what was registered.
    /// </summary>
    internal bool AttachTo(UdpRelayEngine engine, Allocation owner, int preferredWorker)
    {
        Owner = owner;
        Volatile.Write(ref _engine, engine);
        if (engine.Register(this, preferredWorker)) return true;
        Volatile.Write(ref _engine, null);
        return false;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        // Out of the engine before the socket closes, so a recycled fd number never reaches this allocation.
        Volatile.Read(ref _engine)?.Unregister(this);
        Socket.Dispose();
    }
}
