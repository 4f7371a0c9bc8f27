using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Transport.Engine;
using Confer.Turn.Transport;
using Microsoft.Extensions.Logging;

namespace Confer.Turn.Allocations;

/// <summary>
/// One allocation (RFC 8656 §2.2): a relayed transport address owned by one client 5-tuple, or one per
/// address family for a dual allocation (§7.2, see Allocation.Dual.cs), with its permissions (per peer IP,
/// §9) and channel bindings (§12). Expiries are UTC ticks read from the injected <see cref="TimeProvider"/>;
/// the <see cref="AllocationTable"/> sweeps what has expired.
/// </summary>
public sealed partial class Allocation : IDisposable
{
    private readonly ConcurrentDictionary<TransportAddress, long> _permissions = new();
    private readonly ConcurrentDictionary<ushort, ChannelBinding> _channels = new();
    private readonly ConcurrentDictionary<TransportAddress, ChannelBinding> _channelsByPeer = new();
    private readonly TimeProvider _time;
    private readonly TurnMetrics _metrics;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private long _expires;
    private int _disposed;

    /// <param name="relay">The first relayed address's socket (IPv4 in a dual allocation).</param>
    /// <param name="additional">The IPv6 socket of a dual allocation (ADDITIONAL-ADDRESS-FAMILY), or null.</param>
    public Allocation(FiveTuple tuple, string username, TransactionId transaction, Socket relay, IClientSink sink,
        SocketAddress clientAddress, TimeProvider time, TurnMetrics metrics, ILogger logger, Socket? additional = null)
    {
        Tuple = tuple;
        Username = username;
        Transaction = transaction;
        _primary = new RelayEndpoint(relay);
        _additional = additional is null ? null : new RelayEndpoint(additional);
        Sink = sink;
        ClientAddress = clientAddress;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _indicationId = TransactionId.New();
    }

    public FiveTuple Tuple { get; }
    public string Username { get; }

    /// <summary>The Allocate request's transaction id: a retransmission gets the same answer (RFC 8656 §7.2).</summary>
    public TransactionId Transaction { get; }

    /// <summary>The first relayed address's socket (the only one unless the allocation is dual).</summary>
    public Socket RelaySocket => _primary.Socket;

    /// <summary>The token of the port reserved next to this one (EVEN-PORT with R), if any.</summary>
    public ulong? ReservationToken { get; set; }
    /// <summary>The first relayed transport address (IPv4 in a dual allocation; see <see cref="Additional"/>).</summary>
    public TransportAddress Relayed => _primary.Relayed;
    public IClientSink Sink { get; }

    /// <summary>The client's address, copied out of the receive buffer.</summary>
    public SocketAddress ClientAddress { get; }

    /// <summary>When the whole allocation expires: the latest expiry of its open relayed addresses. Setting it refreshes all of them.</summary>
    public long ExpiresTicks
    {
        get => Volatile.Read(ref _expires);
        set
        {
            if (!_primary.IsClosed) _primary.ExpiresTicks = value;
            if (_additional is { IsClosed: false } additional) additional.ExpiresTicks = value;
            Volatile.Write(ref _expires, value);
        }
    }

    public bool IsExpired(long now) => now >= ExpiresTicks;

    public long Now => _time.GetUtcNow().UtcTicks;

    public int PermissionCount => _permissions.Count;

    /// <summary>Channel bindings held now (expired ones not yet swept included).</summary>
    public int ChannelCount => _channels.Count;

    /// <summary>Permissions this allocation may hold at once (508 beyond, RFC 8656 §9.2); set from the options when it is made.</summary>
    public int MaxPermissions { get; set; } = int.MaxValue;

    /// <summary>Channel bindings this allocation may hold at once (508 beyond); set from the options when it is made.</summary>
    public int MaxChannels { get; set; } = int.MaxValue;

    /// <summary>
    /// Whether a permission was ever installed for one of the server's own addresses (a relay port of this server):
    /// only then does a Send indication need its destination port checked (SendHandler).
    /// </summary>
    public bool PermitsOwnAddress { get; set; }

    /// <summary>Installs or refreshes the permission for the peer's IP (the port is ignored, RFC 8656 §9), whatever the cap.</summary>
    public void Permit(in TransportAddress peer, long expiresTicks)
    {
        lock (_permissions) _permissions[peer.IPOnly] = expiresTicks;
    }

    /// <summary>
    /// Installs or refreshes the permissions for all <paramref name="peers"/>, or none when the new ones would take
    /// the allocation past <see cref="MaxPermissions"/> (refreshing one that exists always fits).
    /// </summary>
    public bool TryPermit(ReadOnlySpan<TransportAddress> peers, long expiresTicks)
    {
        lock (_permissions)
        {
            int added = 0;
            for (int i = 0; i < peers.Length; i++)
            {
                var key = peers[i].IPOnly;
                if (_permissions.ContainsKey(key)) continue;
                bool repeated = false;
                for (int j = 0; j < i && !repeated; j++) repeated = peers[j].IPOnly == key;
                if (!repeated) added++;
            }
            if (_permissions.Count + added > MaxPermissions) return false;
            foreach (var peer in peers) _permissions[peer.IPOnly] = expiresTicks;
            return true;
        }
    }

    public bool IsPermitted(in TransportAddress peer, long now) =>
        _permissions.TryGetValue(peer.IPOnly, out long expires) && now < expires;

    public bool TryGetChannel(ushort number, long now, out ChannelBinding channel) =>
        _channels.TryGetValue(number, out channel!) && now < channel.ExpiresTicks;

    public enum BindResult { Bound, NumberTaken, PeerTaken, Full }

    /// <summary>Binds or refreshes a channel; a number bound to another peer, or a peer on another number, is refused (RFC 8656 §11.2).</summary>
    public BindResult BindChannel(ushort number, in TransportAddress peer, long expiresTicks)
    {
        lock (_channels)
        {
            if (_channels.TryGetValue(number, out var existing))
            {
                if (existing.Peer != peer) return BindResult.NumberTaken;
                existing.ExpiresTicks = expiresTicks;
                return BindResult.Bound;
            }
            if (_channelsByPeer.TryGetValue(peer, out var other) && other.Number != number) return BindResult.PeerTaken;
            if (_channels.Count >= MaxChannels) return BindResult.Full;
            var binding = new ChannelBinding(number, peer, peer.ToSocketAddress(peer.Family)) { ExpiresTicks = expiresTicks };
            _channels[number] = binding;
            _channelsByPeer[peer] = binding;
            return BindResult.Bound;
        }
    }

    /// <summary>Drops expired permissions and channel bindings.</summary>
    public void Sweep(long now)
    {
        lock (_permissions)
        {
            foreach (var (peer, expires) in _permissions)
                if (now >= expires) _permissions.TryRemove(new KeyValuePair<TransportAddress, long>(peer, expires));
        }
        lock (_channels)
        {
            foreach (var (number, binding) in _channels)
            {
                if (now < binding.ExpiresTicks) continue;
                _channels.TryRemove(number, out _);
                _channelsByPeer.TryRemove(binding.Peer, out _);
            }
        }
        SweepEndpoints(now);
    }

    /// <summary>Sends application data to a peer from the relayed address of the peer's family.</summary>
    public void SendToPeer(ReadOnlySpan<byte> data, SocketAddress peer)
    {
        var socket = SocketFor(peer.Family);
        if (socket is null) { _metrics.Dropped("family_mismatch"); return; }
        if (!AllowToPeer(data.Length)) return;
        if (EpollEngine.IsSupported)
        {
            int errno = EpollEngine.SendTo(socket, data, peer);
            if (errno == 0) _metrics.RelayedToPeer(data.Length);
            else Log.SendFailedErrno(_logger, Tuple, errno);
            return;
        }
        try
        {
            socket.SendTo(data, SocketFlags.None, peer);
            _metrics.RelayedToPeer(data.Length);
        }
        catch (SocketException e)
        {
            // An unreachable peer must not take the allocation down.
            Log.SendFailed(_logger, Tuple, e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>An RFC 6062 allocation: the relay socket listens for peer TCP connections.</summary>
    public bool IsTcp => RelaySocket.SocketType == SocketType.Stream;

    /// <summary>Where accepted peer connections wait for ConnectionBind (RFC 6062 only).</summary>
    public TcpConnectionTable? TcpConnections { get; set; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public void Start()
    {
        if (IsTcp) _loop = Task.Run(() => AcceptLoopAsync(_primary.Socket));
        else _loop = StartRelay(_primary);
        StartAdditional(); // Allocation.Dual.cs: the IPv6 relayed address
    }

    private Task? _loop;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stop.Cancel();
        _primary.Dispose(); // each endpoint leaves the relay engine before its socket closes
        _additional?.Dispose();
        ClosePeerConnections(); // RFC 6062: pending and data connections end with the allocation
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Relay send for {Tuple} failed: {Error}")]
        public static partial void SendFailed(ILogger logger, FiveTuple tuple, SocketError error);

        [LoggerMessage(EventId = 303, Level = LogLevel.Debug, Message = "Relay send for {Tuple} failed: errno {Errno}")]
        public static partial void SendFailedErrno(ILogger logger, FiveTuple tuple, int errno);

        [LoggerMessage(EventId = 301, Level = LogLevel.Trace, Message = "Dropped a packet from {Peer} to {Tuple}: no permission")]
        public static partial void NoPermission(ILogger logger, TransportAddress peer, FiveTuple tuple);

        [LoggerMessage(EventId = 302, Level = LogLevel.Debug, Message = "Relay loop for {Tuple} failed")]
        public static partial void LoopFailed(ILogger logger, FiveTuple tuple, Exception exception);
    }
}
