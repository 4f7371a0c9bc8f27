using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Confer.Transport.Streams;

/// <summary>
/// Counters of the TCP/TLS connection guard on the <c>Confer.Transport</c> meter: connections refused at accept and
/// closed by the guard, each by reason (refused: <c>per_source</c>, <c>total</c>; closed: <c>handshake_timeout</c>,
/// <c>auth_timeout</c>, <c>stall</c>, <c>idle</c>, <c>slow_reader</c>, <c>evicted</c>). The host exports them at <c>/metrics</c>.
/// </summary>
public sealed class StreamConnectionMetrics : IDisposable
{
    public const string MeterName = "Confer.Transport";

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<string, StrongBox<long>> _refused = new(), _closed = new();

    public StreamConnectionMetrics(IMeterFactory? factory = null)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableCounter("stream_connections_refused", () => Tagged(_refused), description: "TCP/TLS client connections refused at accept, by reason.");
        _meter.CreateObservableCounter("stream_connections_closed", () => Tagged(_closed), description: "TCP/TLS client connections closed by the server's limits, by reason.");
    }

    public void Refused(string reason) => Count(_refused, reason);

    public void Closed(string reason) => Count(_closed, reason);

    public long RefusedCount(string reason) => _refused.TryGetValue(reason, out var box) ? Volatile.Read(ref box.Value) : 0;

    public long ClosedCount(string reason) => _closed.TryGetValue(reason, out var box) ? Volatile.Read(ref box.Value) : 0;

    private static void Count(ConcurrentDictionary<string, StrongBox<long>> counters, string reason) =>
        Interlocked.Increment(ref counters.GetOrAdd(reason, static _ => new StrongBox<long>()).Value);

    private static IEnumerable<Measurement<long>> Tagged(ConcurrentDictionary<string, StrongBox<long>> counters)
    {
        foreach (var (reason, box) in counters)
            yield return new Measurement<long>(Volatile.Read(ref box.Value), new KeyValuePair<string, object?>("reason", reason));
    }

    public void Dispose() => _meter.Dispose();
}
