namespace Confer.Server.Hosting;

/// <summary>
/// Whether this stop is a graceful one (asked for by SIGTERM or Ctrl-C, <see cref="DrainLifetime"/>): only then does
/// the host wait for TURN allocations (<see cref="DrainService"/>). A stop from code (tests, an embedding host) tells
/// clients to reconnect and refuses joins the same way, but does not wait.
/// </summary>
public sealed class DrainState
{
    private int _requested;

    /// <summary>True once a graceful stop was asked for.</summary>
    public bool Requested => Volatile.Read(ref _requested) != 0;

    /// <summary>Asks for a graceful stop; the caller then stops the application.</summary>
    public void Request() => Volatile.Write(ref _requested, 1);
}
