using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Confer.Transport.Streams;

/// <summary>
/// Keeps TCP and TLS client connections (the epoll engine's and Kestrel's alike, one guard for both) from holding the
/// server's descriptors and memory for nothing. At accept: at most <see cref="TransportOptions.MaxConnectionsPerSource"/>
/// from one source, a connection beyond is closed at once; at <see cref="TransportOptions.MaxConnections"/> in all, the
/// oldest connection that has not authenticated yet makes room (it is closed, "evicted"), so that a flood of idle
/// connections from many sources cannot keep new clients out, and only when every open connection has authenticated is a
/// new one refused. After:
/// each connection is closed when its TLS handshake, its authentication (<see cref="IStreamSession"/>), a frame it began,
/// or its idle time takes longer than the options allow. One timer on the <see cref="TimeProvider"/> sweeps them all.
/// </summary>
public sealed partial class StreamConnectionGuard : IDisposable
{
    /// <summary>Refusals are logged at most once per this interval (with how many there were).</summary>
    public static readonly TimeSpan RefusalLogInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly Dictionary<SourceKey, int> _perSource = [];
    private readonly HashSet<GuardedConnection> _open = [];
    private readonly LinkedList<GuardedConnection> _unauthenticated = []; // oldest first
    private readonly ILogger _logger;
    private readonly bool _ownsMetrics;
    private readonly ITimer _sweeper;
    private long _refusedSinceLog, _lastRefusalLog = long.MinValue;

    public StreamConnectionGuard(TransportOptions options, TimeProvider? time = null, ILogger? logger = null, StreamConnectionMetrics? metrics = null)
    {
        if (options.Validate() is { } problem) throw new ArgumentException(problem, nameof(options));
        Options = options;
        Time = time ?? TimeProvider.System;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _ownsMetrics = metrics is null;
        Metrics = metrics ?? new StreamConnectionMetrics();
        HandshakeTimeout = Duration(options.HandshakeTimeout);
        AuthTimeout = Duration(options.AuthTimeout);
        StallTimeout = Duration(options.StallTimeout);
        IdleTimeout = Duration(options.IdleTimeout);
        MaxConnections = options.ResolveMaxConnections(DescriptorLimit());
        MaxConnectionsPerSource = options.MaxConnectionsPerSource;
        var shortest = new[] { options.AuthTimeout, options.StallTimeout, options.IdleTimeout, options.HandshakeTimeout }.Min();
        var period = TimeSpan.FromTicks(Math.Clamp(shortest.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond));
        _sweeper = Time.CreateTimer(static state => ((StreamConnectionGuard)state!).Sweep(), this, period, period);
    }

    public TransportOptions Options { get; }

    public TimeProvider Time { get; }

    public StreamConnectionMetrics Metrics { get; }

    /// <summary>Connections open at once in all, as resolved from the options.</summary>
    public int MaxConnections { get; }

    public int MaxConnectionsPerSource { get; }

    /// <summary>Connections open now.</summary>
    public int Open
    {
        get { lock (_gate) return _open.Count; }
    }

    /// <summary>Now on the <see cref="Time"/>'s monotonic clock (a wall clock set back or forth moves no deadline).</summary>
    internal long Now => Time.GetTimestamp();

    // The timeouts in units of that clock.
    internal long HandshakeTimeout { get; }
    internal long AuthTimeout { get; }
    internal long StallTimeout { get; }
    internal long IdleTimeout { get; }

    private long Duration(TimeSpan time) => (long)(time.TotalSeconds * Time.TimestampFrequency);

    /// <summary>
    /// Counts a new connection from <paramref name="remote"/> in, or refuses it (null; the caller closes it at once).
    /// <paramref name="tls"/>: the TLS handshake is still to come. The caller then gives the connection a way to be closed
    /// (<see cref="GuardedConnection.Bind"/>) and disposes it when the connection ends.
    /// </summary>
    public GuardedConnection? TryAdmit(IPEndPoint remote, bool tls)
    {
        var key = SourceKey.Of(remote.Address);
        string? refused = null;
        GuardedConnection? admitted = null, evicted = null;
        lock (_gate)
        {
            if (_perSource.GetValueOrDefault(key) >= MaxConnectionsPerSource) refused = "per_source";
            else if (_open.Count >= MaxConnections)
            {
                if (_unauthenticated.First is { } oldest) RemoveLocked(evicted = oldest.Value);
                else refused = "total";
            }
            if (refused is null)
            {
                _perSource[key] = _perSource.GetValueOrDefault(key) + 1;
                admitted = new GuardedConnection(this, key, tls, Now);
                _open.Add(admitted);
                admitted.Waiting = _unauthenticated.AddLast(admitted);
            }
        }
        evicted?.Close("evicted"); // its place is already free
        if (refused is null) return admitted;
        Metrics.Refused(refused);
        LogRefused(remote, refused);
        return null;
    }

    /// <summary>A connection ended: its place is free.</summary>
    internal void Leave(GuardedConnection connection)
    {
        lock (_gate) RemoveLocked(connection);
    }

    /// <summary>A connection authenticated (or was taken over): it can no longer be evicted to make room.</summary>
    internal void Authenticated(GuardedConnection connection)
    {
        lock (_gate)
        {
            if (connection.Waiting is { } node) _unauthenticated.Remove(node);
            connection.Waiting = null;
        }
    }

    private void RemoveLocked(GuardedConnection connection)
    {
        if (!_open.Remove(connection)) return;
        int left = _perSource.GetValueOrDefault(connection.Source) - 1;
        if (left <= 0) _perSource.Remove(connection.Source); else _perSource[connection.Source] = left;
        if (connection.Waiting is { } node) _unauthenticated.Remove(node);
        connection.Waiting = null;
    }

    /// <summary>Closes every connection past one of its deadlines (the timer calls it; tests may too).</summary>
    public void Sweep()
    {
        long now = Now;
        List<(GuardedConnection Connection, string Reason)>? expired = null;
        lock (_gate)
        {
            foreach (var connection in _open)
            {
                if (connection.Expired(now) is { } reason) (expired ??= []).Add((connection, reason));
            }
        }
        if (expired is null) return;
        foreach (var (connection, reason) in expired) connection.Close(reason); // outside the lock: an abort may end the connection inline
    }

    internal void Closed(GuardedConnection connection, string reason)
    {
        Metrics.Closed(reason);
        Log.ClosedByGuard(_logger, connection.Source.ToString(), reason);
    }

    private void LogRefused(IPEndPoint remote, string reason)
    {
        long now = Now;
        long count;
        lock (_gate)
        {
            _refusedSinceLog++;
            if (_lastRefusalLog != long.MinValue && now - _lastRefusalLog < Duration(RefusalLogInterval)) return;
            _lastRefusalLog = now;
            count = _refusedSinceLog;
            _refusedSinceLog = 0;
        }
        Log.Refused(_logger, count, remote.Address, reason, Open, MaxConnections, MaxConnectionsPerSource);
    }

    public void Dispose()
    {
        _sweeper.Dispose();
        if (_ownsMetrics) Metrics.Dispose();
    }

    /// <summary>The process's file descriptor limit (RLIMIT_NOFILE, soft) where the platform says; 0 when unknown.</summary>
    private static long DescriptorLimit()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        try
        {
            return Native.Libc.getrlimit(Native.Libc.RlimitNoFile, out var limit) == 0 && limit.Current < long.MaxValue ? (long)limit.Current : 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>Where connections are counted from: an IPv4 address, or an IPv6 address's /64 (one host can have them all).</summary>
    [StructLayout(LayoutKind.Auto)]
    internal readonly record struct SourceKey(UInt128 Address, bool IsIPv6)
    {
        public static SourceKey Of(IPAddress address)
        {
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out int written);
            if (written == 4) return new SourceKey(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes), false);
            var v6 = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
            return new SourceKey(v6 & ~(UInt128)ulong.MaxValue, true);
        }

        public override string ToString()
        {
            Span<byte> bytes = stackalloc byte[16];
            if (!IsIPv6)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Address);
                return new IPAddress(bytes[..4]).ToString();
            }
            System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, Address);
            return new IPAddress(bytes) + "/64";
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "Refused {Count} TCP/TLS connection(s) since the last report, the latest from {Address} ({Reason}); {Open} open, at most {Max} in all and {MaxPerSource} per source")]
        public static partial void Refused(ILogger logger, long count, IPAddress address, string reason, int open, int max, int maxPerSource);

        [LoggerMessage(EventId = 221, Level = LogLevel.Debug, Message = "Closed a TCP/TLS connection from {Source}: {Reason}")]
        public static partial void ClosedByGuard(ILogger logger, string source, string reason);
    }
}
