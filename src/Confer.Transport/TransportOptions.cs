namespace Confer.Transport;

/// <summary>
/// How packets and streams are carried: bound from the configuration section <see cref="Section"/> ("Transport:Engine",
/// "Transport:Workers"; environment variables <c>Transport__Engine</c>, <c>Transport__Workers</c>). Read once, when the
/// host is built: <see cref="TransportRuntime.Create"/> is the one place that acts on them.
/// </summary>
public sealed class TransportOptions
{
    public const string Section = "Transport";

    /// <summary>The most worker threads the epoll engine can be given.</summary>
    public const int MaxWorkers = 64;

    /// <summary>
    /// Whether the epoll engine serves UDP and plain TCP where it can (Linux x64). Off: each UDP port socket has a thread of
    /// its own, each TURN relay socket an awaited receive loop, and Kestrel serves plain TCP as it serves TLS.
    /// </summary>
    public bool Engine { get; set; } = true;

    /// <summary>
    /// The epoll engine's worker threads: 0 for the default, one per two cores (at least one, at most four); else 1 to
    /// <see cref="MaxWorkers"/>. Each wake-up of a worker costs a context switch whatever it then serves, so fewer workers
    /// each serving more sockets spend less CPU per packet at the loads a meeting server sees (TURN bench, 2 cores: one
    /// worker used 0.69 s for the UDP-channels run where two used 0.89-0.95 s); the other cores are left to the runtime,
    /// Kestrel (TLS, HTTP, signaling) and the kernel's network stack.
    /// </summary>
    public int Workers { get; set; }

    /// <summary>
    /// How long a TCP or TLS client connection may stay open before the protocol above says it is authenticated (TURN: a
    /// successful Allocate, or ConnectionBind for an RFC 6062 data connection); past it the connection is closed. A STUN
    /// Binding is answered meanwhile but does not extend it.
    /// </summary>
    public TimeSpan AuthTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a frame may stay incomplete (the header or part of the body read, the rest not): past it the connection is closed.</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an authenticated connection may stay open once it holds nothing any more (TURN: its allocation was deleted or expired).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a TLS handshake may take from the moment the connection is accepted.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// TCP and TLS client connections open at once from one source: an IPv4 address, or an IPv6 /64 (what one host can
    /// easily hold). A connection beyond is closed as soon as it is accepted. Several people behind one NAT each hold a
    /// connection or two, hence the room.
    /// </summary>
    public int MaxConnectionsPerSource { get; set; } = 128;

    /// <summary>
    /// TCP and TLS client connections open at once in all, engine and Kestrel together; 0 for the default, half the
    /// process's file descriptor limit and at most <see cref="DefaultMaxConnections"/>.
    /// </summary>
    public int MaxConnections { get; set; }

    /// <summary>The most client connections by default.</summary>
    public const int DefaultMaxConnections = 10_000;

    /// <summary>
    /// Bytes that may wait for one TLS (or Kestrel-served TCP) client that does not read, beyond what the connection's
    /// pipe holds: past this the client is closed rather than the server holding more for it.
    /// </summary>
    public int ClientQueueBytes { get; set; } = 1024 * 1024;

    /// <summary>The connection cap <see cref="MaxConnections"/> means with a file descriptor limit of <paramref name="descriptorLimit"/> (0: unknown).</summary>
    public int ResolveMaxConnections(long descriptorLimit) =>
        MaxConnections > 0 ? MaxConnections
        : descriptorLimit > 0 ? (int)Math.Clamp(descriptorLimit / 2, 64, DefaultMaxConnections)
        : DefaultMaxConnections;

    /// <summary>The worker count <see cref="Workers"/> means on a machine with <paramref name="processors"/> cores.</summary>
    public int ResolveWorkers(int processors) => Workers > 0 ? Workers : Math.Clamp(processors / 2, 1, 4);

    /// <summary>Null when the options can be used, else a sentence that says what to change.</summary>
    public string? Validate()
    {
        if (Workers is < 0 or > MaxWorkers)
            return $"Transport:Workers is {Workers}: set it to 0 (one worker per two cores) or a number from 1 to {MaxWorkers}.";
        foreach (var (name, value) in new[] { (nameof(AuthTimeout), AuthTimeout), (nameof(StallTimeout), StallTimeout), (nameof(IdleTimeout), IdleTimeout), (nameof(HandshakeTimeout), HandshakeTimeout) })
        {
            if (value < TimeSpan.FromMilliseconds(100) || value > TimeSpan.FromHours(1))
                return $"Transport:{name} is {value}: set it to a time from 00:00:00.1 to 01:00:00 (like 00:00:10 for ten seconds).";
        }
        if (MaxConnectionsPerSource < 1)
            return $"Transport:MaxConnectionsPerSource is {MaxConnectionsPerSource}: set it to 1 or more (connections from one address at once).";
        if (MaxConnections < 0)
            return $"Transport:MaxConnections is {MaxConnections}: set it to 0 (from the file descriptor limit) or the most connections at once.";
        if (ClientQueueBytes < 64 * 1024)
            return $"Transport:ClientQueueBytes is {ClientQueueBytes}: set it to 65536 or more, so that one largest frame fits.";
        return null;
    }
}
