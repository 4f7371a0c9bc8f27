using System.Runtime.InteropServices;

namespace Confer.Server.Hosting;

/// <summary>
/// The host's lifetime in place of .NET's console lifetime: the first SIGTERM, SIGINT (Ctrl-C) or SIGQUIT asks for a
/// graceful stop (<see cref="DrainState.Request"/>, then <see cref="IHostApplicationLifetime.StopApplication"/>: the
/// drain runs, then the host stops and <c>confer serve</c> exits 0); a second signal exits at once, with 128 + the
/// signal's number as a shell reports a killed process (130 for Ctrl-C, 143 for SIGTERM).
/// </summary>
internal sealed partial class DrainLifetime(IHostApplicationLifetime lifetime, DrainState drain, ServerOptions options, ILogger<DrainLifetime> log)
    : IHostLifetime, IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signals;

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT })
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
        return Task.CompletedTask;
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // the runtime's default would end the process now
        if (Interlocked.Increment(ref _signals) == 1)
        {
            drain.Request();
            LogDraining(log, context.Signal, options.DrainTimeout.TotalSeconds);
            lifetime.StopApplication();
            return;
        }
        // The console logger writes on its own thread, which the exit would not wait for.
        Console.Error.WriteLine($"confer: {context.Signal} again: stopping at once, without waiting for TURN allocations.");
        Environment.Exit(context.Signal switch { PosixSignal.SIGINT => 130, PosixSignal.SIGQUIT => 131, _ => 143 });
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _registrations.Clear();
    }

    [LoggerMessage(EventId = 900, Level = LogLevel.Information,
        Message = "{Signal}: stopping gracefully. /readyz answers 503, joins are refused, clients are told to reconnect; TURN allocations drain for up to {Seconds} s. Send it again to stop at once")]
    private static partial void LogDraining(ILogger logger, PosixSignal signal, double seconds);
}
