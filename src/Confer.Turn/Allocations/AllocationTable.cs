using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Confer.Turn.Allocations;

/// <summary>
/// The one owner of allocations, keyed by client 5-tuple (lock-free reads on the relay path). Enforces
/// the per-user quota (486) and server capacity (508), counting allocations from the moment their Allocate is
/// admitted (so parallel Allocates cannot race past either limit) and EVEN-PORT reservations as allocations
/// (a reserved port is a relay port held for the user), and sweeps expired allocations, permissions and
/// channels once a second on the injected <see cref="TimeProvider"/>; a deleted allocation closes its
/// relay sockets (two for a dual allocation), which frees their ports.
/// </summary>
public sealed partial class AllocationTable : IDisposable
{
    private readonly ConcurrentDictionary<FiveTuple, Allocation> _allocations = new();
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private int _held; // allocations admitted (being made or live) plus reservations: the sum of _perUser
    private readonly TurnOptions _options;
    private readonly TimeProvider _time;
    private readonly TurnMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ITimer _sweeper;

    public AllocationTable(TurnOptions options, TimeProvider time, TurnMetrics metrics, ILogger logger)
    {
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        Ports = new RelayPortPool(options.RelayPortMin, options.RelayPortMax);
        Reservations = new ReservationTable(time, Unreserve);
        Connections = new TcpConnectionTable(time);
        _sweeper = time.CreateTimer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public RelayPortPool Ports { get; }

    public ReservationTable Reservations { get; }

    public TcpConnectionTable Connections { get; }

    public int Count => _allocations.Count;

    /// <summary>Permissions and channel bindings held by all allocations now: for metrics, read when scraped.</summary>
    public (int Permissions, int Channels) CountBindings()
    {
        int permissions = 0, channels = 0;
        foreach (var allocation in _allocations.Values)
        {
            permissions += allocation.PermissionCount;
            channels += allocation.ChannelCount;
        }
        return (permissions, channels);
    }

    /// <summary>
    /// Set while the server drains before it stops: new allocations get 508 (Insufficient Capacity, RFC 8656 §6.2:
    /// try another server) while the ones it holds keep refreshing until they are gone or the drain ends.
    /// </summary>
    public bool RefuseNew { get => Volatile.Read(ref _refuseNew); set => Volatile.Write(ref _refuseNew, value); }

    private bool _refuseNew;

    public long Now => _time.GetUtcNow().UtcTicks;

    public bool TryGet(in FiveTuple tuple, out Allocation allocation)
    {
        if (_allocations.TryGetValue(tuple, out allocation!) && !allocation.IsExpired(Now)) return true;
        allocation = null!;
        return false;
    }

    /// <summary>The allocation for the 5-tuple even if expired but not yet swept (for 437 decisions).</summary>
    public bool Contains(in FiveTuple tuple) => TryGet(tuple, out _);

    public enum ReserveResult { Ok, UserQuota, Capacity }

    /// <summary>
    /// Counts <paramref name="slots"/> allocations (2 for an Allocate that also reserves the next port) against the
    /// user's quota and the server's capacity before any socket is bound; all or none. Atomic: the check and the count
    /// happen under one lock, so the limits hold however many Allocates arrive at once.
    /// </summary>
    public ReserveResult Reserve(string username, int slots = 1)
    {
        lock (_perUser)
        {
            if (_held + slots > _options.MaxAllocations || RefuseNew) return ReserveResult.Capacity;
            int held = _perUser.GetValueOrDefault(username);
            if (held + slots > _options.MaxAllocationsPerUser) return ReserveResult.UserQuota;
            _perUser[username] = held + slots;
            _held += slots;
            return ReserveResult.Ok;
        }
    }

    /// <summary>Releases one counted allocation or reservation of the user.</summary>
    public void Unreserve(string username)
    {
        lock (_perUser)
        {
            if (!_perUser.TryGetValue(username, out int held)) return;
            _held--;
            if (held <= 1) _perUser.Remove(username); else _perUser[username] = held - 1;
        }
    }

    /// <summary>Allocations and reservations counted against the capacity (at most <see cref="TurnOptions.MaxAllocations"/>).</summary>
    public int Held
    {
        get { lock (_perUser) return _held; }
    }

    /// <summary>Adds a started allocation; false when the 5-tuple already has one (a race between two Allocates).</summary>
    public bool TryAdd(Allocation allocation)
    {
        if (!_allocations.TryAdd(allocation.Tuple, allocation)) return false;
        _metrics.AllocationCreated();
        if (allocation.Additional is { } additional) Log.CreatedDual(_logger, allocation.Tuple, allocation.Relayed, additional.Relayed, allocation.Username);
        else Log.Created(_logger, allocation.Tuple, allocation.Relayed, allocation.Username);
        return true;
    }

    /// <summary>Deletes the allocation of the 5-tuple (Refresh with lifetime 0, connection closed).</summary>
    public void Remove(in FiveTuple tuple, bool expired = false)
    {
        if (!_allocations.TryRemove(tuple, out var allocation)) return;
        allocation.Dispose();
        (allocation.Sink as IStreamSession)?.MarkIdle(); // a TCP/TLS connection left holding nothing is closed after its idle time
        Unreserve(allocation.Username);
        if (expired) _metrics.AllocationExpired(); else _metrics.AllocationDeleted();
        Log.Removed(_logger, tuple, allocation.Username, expired);
    }

    public void Sweep()
    {
        long now = Now;
        Reservations.Sweep();
        Connections.Sweep();
        foreach (var (tuple, allocation) in _allocations)
        {
            if (allocation.IsExpired(now)) Remove(tuple, expired: true);
            else allocation.Sweep(now);
        }
    }

    public void Dispose()
    {
        _sweeper.Dispose();
        Reservations.Clear();
        foreach (var (tuple, _) in _allocations) Remove(tuple);
    }

    /// <summary>The relay address for a family: configured, else the listening address; null when there is none.</summary>
    public IPAddress? RelayAddressFor(AddressFamily family, in TransportAddress server)
    {
        if (family == AddressFamily.InterNetwork)
        {
            if (_options.RelayAddress is { AddressFamily: AddressFamily.InterNetwork } v4) return v4;
            return server.IsIPv6 ? (server.Address == 0 ? IPAddress.Any : null) : server.ToIPAddress();
        }
        if (_options.RelayAddressV6 is { } v6) return v6;
        if (_options.RelayAddress is { AddressFamily: AddressFamily.InterNetworkV6 } r6) return r6;
        return server.IsIPv6 ? server.ToIPAddress() : null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 310, Level = LogLevel.Debug, Message = "Allocation {Tuple} relays on {Relayed} for {User}")]
        public static partial void Created(ILogger logger, FiveTuple tuple, TransportAddress relayed, string user);

        [LoggerMessage(EventId = 312, Level = LogLevel.Debug, Message = "Allocation {Tuple} relays on {Relayed} and {Additional} for {User}")]
        public static partial void CreatedDual(ILogger logger, FiveTuple tuple, TransportAddress relayed, TransportAddress additional, string user);

        [LoggerMessage(EventId = 311, Level = LogLevel.Debug, Message = "Allocation {Tuple} of {User} removed (expired: {Expired})")]
        public static partial void Removed(ILogger logger, FiveTuple tuple, string user, bool expired);
    }
}
