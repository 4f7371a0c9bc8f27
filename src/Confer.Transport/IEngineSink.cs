using Confer.Transport.Engine;

namespace Confer.Transport;

/// <summary>
/// A client sink whose traffic an <see cref="EpollEngine"/> serves (a UDP port socket, a plain TCP connection): a socket
/// registered for the same client (TURN: its allocation's relay socket) joins that engine, on <see cref="EngineWorker"/>,
/// so one thread serves both directions.
/// </summary>
public interface IEngineSink : IClientSink
{
    /// <summary>The engine of the process, or null when it runs none.</summary>
    EpollEngine? Engine { get; }

    /// <summary>The engine worker receiving this client's traffic, or -1 when a thread of its own does (any worker will do).</summary>
    int EngineWorker { get; }
}
