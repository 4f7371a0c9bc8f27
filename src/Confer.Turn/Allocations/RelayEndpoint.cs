using System.Net;
using System.Net.Sockets;
using Confer.Transport.Engine;

namespace Confer.Turn.Allocations;

/// <summary>
/// One relayed transport address of an allocation: its socket and its own expiry. A dual allocation
/// (RFC 8656 §7.2, ADDITIONAL-ADDRESS-FAMILY) has one per address family, and a Refresh with
/// REQUESTED-ADDRESS-FAMILY (RFC 8656 §7.3) extends or deletes one of them alone. Closing the socket
/// frees its port.
/// </summary>
public sealed class RelayEndpoint(Socket socket) : IDatagramReceiver, IDisposable
{
    // The engine's head room is at least the largest TURN header, with room after the data for padding (Allocation.Relay.cs).
    private const int EngineOffset = EpollEngine.DatagramHeadRoom - Allocation.RelayHeadRoom;

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

    /// <summary>The epoll engine's slot for this address; -1 when not registered.</summary>
    internal int EngineSlot => Volatile.Read(ref _registration)?.Slot ?? -1;

    /// <summary>The epoll engine worker serving this address while registered.</summary>
    internal int EngineWorker => Volatile.Read(ref _registration)?.Worker ?? -1;

    private EpollEngine? _engine;
    private EngineDatagramSocket? _registration;

    /// <summary>
    /// Hands the socket to the epoll engine; false when the engine cannot take it (the caller runs its own loop). The
    /// engine and the registration are noted before it registers, so a Dispose racing with this always unregisters what
    /// was registered.
    /// </summary>
    internal bool AttachTo(EpollEngine engine, Allocation owner, int preferredWorker)
    {
        Owner = owner;
        var registration = new EngineDatagramSocket(Socket, this);
        Volatile.Write(ref _registration, registration);
        Interlocked.Exchange(ref _engine, engine); // a full fence: Dispose either sees the engine or this sees it closed
        if (!IsClosed && engine.Register(registration, preferredWorker)) return true;
        Volatile.Write(ref _engine, null);
        return false;
    }

    /// <summary>One datagram from the engine, on its worker: on to the allocation, with the TURN header room it expects in front.</summary>
    void IDatagramReceiver.OnDatagram(Span<byte> slot, int length, SocketAddress source) =>
        Owner?.ForwardFromEngine(slot[EngineOffset..], length, source);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        // Out of the engine before the socket closes, so a recycled fd number never reaches this allocation.
        if (Volatile.Read(ref _engine) is { } engine && Volatile.Read(ref _registration) is { } registration) engine.Unregister(registration);
        Socket.Dispose();
    }
}
