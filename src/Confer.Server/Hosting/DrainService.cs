using Confer.Turn.Handlers;

namespace Confer.Server.Hosting;

/// <summary>
/// The bounded wait of a graceful stop. By the time the host calls <see cref="StoppingAsync"/> the application is stopping:
/// <c>/readyz</c> answers 503 and signaling has refused joins and told every client to reconnect (on
/// <see cref="IHostApplicationLifetime.ApplicationStopping"/>). Here TURN stops taking new allocations (508) and, when the
/// stop is graceful (<see cref="DrainState"/>), the host waits until the last allocation is gone or
/// <see cref="ServerOptions.DrainTimeout"/> has passed, relaying all the while: calls relayed through this server go on
/// while their clients join again elsewhere or after the restart. Every lifecycle service's <c>StoppingAsync</c> runs
/// before any hosted service stops, so Kestrel and the TURN listeners still serve during the wait.
/// </summary>
internal sealed partial class DrainService(ServerOptions options, DrainState drain, StunDispatcher turn, TimeProvider time, ILogger<DrainService> log)
    : IHostedLifecycleService
{
    /// <summary>How often the wait looks at the allocation count.</summary>
    internal static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var allocations = turn.Allocations;
        allocations.RefuseNew = true;
        if (!drain.Requested || options.DrainTimeout <= TimeSpan.Zero) return;
        var started = time.GetTimestamp();
        LogWaiting(log, allocations.Count, options.DrainTimeout.TotalSeconds);
        try
        {
            while (allocations.Count > 0)
            {
                var left = options.DrainTimeout - time.GetElapsedTime(started);
                if (left <= TimeSpan.Zero) break;
                await Task.Delay(left < Poll ? left : Poll, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The host's own shutdown timeout came first: stop waiting.
        }
        var elapsed = time.GetElapsedTime(started).TotalSeconds;
        if (allocations.Count == 0) LogDrained(log, elapsed);
        else LogBound(log, elapsed, allocations.Count);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 901, Level = LogLevel.Information, Message = "Draining: {Count} TURN allocations; waiting up to {Seconds} s for them to end")]
    private static partial void LogWaiting(ILogger logger, int count, double seconds);

    [LoggerMessage(EventId = 902, Level = LogLevel.Information, Message = "Drained after {Seconds:0.0} s: no TURN allocation left")]
    private static partial void LogDrained(ILogger logger, double seconds);

    [LoggerMessage(EventId = 903, Level = LogLevel.Information, Message = "Drain time over after {Seconds:0.0} s; closing {Count} TURN allocations")]
    private static partial void LogBound(ILogger logger, double seconds, int count);
}
