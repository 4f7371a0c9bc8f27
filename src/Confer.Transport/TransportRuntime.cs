using System.Net.Sockets;
using Confer.Transport.Engine;

namespace Confer.Transport;

/// <summary>
/// What carries packets in this process: the <see cref="EpollEngine"/> the <see cref="TransportOptions"/> chose, or none.
/// <see cref="Create"/> is the one place where "engine or not" is decided; everything else takes the answer
/// (<see cref="Engine"/>, null meaning the portable loops and Kestrel). Disposing it stops the engine's workers.
/// </summary>
public sealed class TransportRuntime : IDisposable
{
    private TransportRuntime(TransportOptions options, EpollEngine? engine)
    {
        Options = options;
        Engine = engine;
    }

    public TransportOptions Options { get; }

    /// <summary>The epoll engine serving UDP and plain TCP, or null where it is off or not supported.</summary>
    public EpollEngine? Engine { get; }

    /// <summary>
    /// Starts the epoll engine when <see cref="TransportOptions.Engine"/> is on and the platform has it (Linux x64), with
    /// <see cref="TransportOptions.ResolveWorkers"/> threads; otherwise, or when the kernel refuses it, none.
    /// Throws <see cref="ArgumentException"/> for options that <see cref="TransportOptions.Validate"/> refuses.
    /// </summary>
    public static TransportRuntime Create(TransportOptions options)
    {
        if (options.Validate() is { } problem) throw new ArgumentException(problem, nameof(options));
        if (!options.Engine || !EpollEngine.IsSupported) return new TransportRuntime(options, null);
        try
        {
            return new TransportRuntime(options, new EpollEngine(options.ResolveWorkers(Environment.ProcessorCount)));
        }
        catch (Exception e) when (e is SocketException or DllNotFoundException or EntryPointNotFoundException)
        {
            return new TransportRuntime(options, null);
        }
    }

    public void Dispose() => Engine?.Dispose();
}
