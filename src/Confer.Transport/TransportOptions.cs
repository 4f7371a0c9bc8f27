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

    /// <summary>The worker count <see cref="Workers"/> means on a machine with <paramref name="processors"/> cores.</summary>
    public int ResolveWorkers(int processors) => Workers > 0 ? Workers : Math.Clamp(processors / 2, 1, 4);

    /// <summary>Null when the options can be used, else a sentence that says what to change.</summary>
    public string? Validate() =>
        Workers is < 0 or > MaxWorkers
            ? $"Transport:Workers is {Workers}: set it to 0 (one worker per two cores) or a number from 1 to {MaxWorkers}."
            : null;
}
