using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Confer.Turn;

/// <summary>
/// Counters of the STUN/TURN server on the <c>Confer.Turn</c> meter (System.Diagnostics.Metrics); the
/// host exports them at <c>/metrics</c>. Counting is an interlocked add on a field (no allocation, no
/// listener call per packet); the meter's observable instruments read the fields when scraped.
/// </summary>
public sealed class TurnMetrics : IDisposable
{
    public const string MeterName = "Confer.Turn";
    private readonly Meter _meter;
    private long _active, _created, _expired, _deleted, _binding, _packetsToPeer, _bytesToPeer, _packetsToClient, _bytesToClient;
    private readonly ConcurrentDictionary<string, StrongBox<long>> _refused = new(), _authFailures = new(), _dropped = new();

    public TurnMetrics(IMeterFactory? factory = null)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableGauge("allocations_active", () => Volatile.Read(ref _active), description: "Allocations active now.");
        _meter.CreateObservableCounter("allocations_created", () => Volatile.Read(ref _created), description: "Allocations created.");
        _meter.CreateObservableCounter("allocations_expired", () => Volatile.Read(ref _expired), description: "Allocations that timed out.");
        _meter.CreateObservableCounter("allocations_deleted", () => Volatile.Read(ref _deleted), description: "Allocations deleted by Refresh 0 or connection close.");
        _meter.CreateObservableCounter("allocations_refused", () => Tagged(_refused), description: "Allocate requests refused, by reason.");
        _meter.CreateObservableCounter("auth_failures", () => Tagged(_authFailures), description: "Long-term credential failures, by reason.");
        _meter.CreateObservableCounter("dropped_packets", () => Tagged(_dropped), description: "Packets dropped, by reason.");
        _meter.CreateObservableCounter("binding_requests", () => Volatile.Read(ref _binding), description: "Binding requests answered.");
        _meter.CreateObservableCounter("relayed_packets", () => Directions(ref _packetsToPeer, ref _packetsToClient), description: "Packets relayed, by direction.");
        _meter.CreateObservableCounter("relayed_bytes", () => Directions(ref _bytesToPeer, ref _bytesToClient), description: "Application bytes relayed, by direction.");
    }

    public long ActiveAllocations => Volatile.Read(ref _active);
    public long PacketsToPeer => Volatile.Read(ref _packetsToPeer);
    public long PacketsToClient => Volatile.Read(ref _packetsToClient);

    public void AllocationCreated() { Interlocked.Increment(ref _active); Interlocked.Increment(ref _created); }
    public void AllocationExpired() { Interlocked.Decrement(ref _active); Interlocked.Increment(ref _expired); }
    public void AllocationDeleted() { Interlocked.Decrement(ref _active); Interlocked.Increment(ref _deleted); }
    public void AllocationRefused(string reason) => Count(_refused, reason);
    public void AuthFailed(string reason) => Count(_authFailures, reason);
    public void BindingAnswered() => Interlocked.Increment(ref _binding);
    public void Dropped(string reason) => Count(_dropped, reason);

    public void RelayedToPeer(int bytes) { Interlocked.Increment(ref _packetsToPeer); Interlocked.Add(ref _bytesToPeer, bytes); }
    public void RelayedToClient(int bytes) { Interlocked.Increment(ref _packetsToClient); Interlocked.Add(ref _bytesToClient, bytes); }

    public long Count(string kind, string reason) => (kind switch { "refused" => _refused, "auth" => _authFailures, _ => _dropped })
        .TryGetValue(reason, out var box) ? Volatile.Read(ref box.Value) : 0;

    /// <summary>Every counter as "name" or "name{reason}" → value: for logs and failure messages.</summary>
    public IReadOnlyDictionary<string, long> Snapshot()
    {
        var all = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["allocations_active"] = ActiveAllocations, ["allocations_created"] = Volatile.Read(ref _created),
            ["allocations_expired"] = Volatile.Read(ref _expired), ["allocations_deleted"] = Volatile.Read(ref _deleted),
            ["binding_requests"] = Volatile.Read(ref _binding), ["packets_to_peer"] = PacketsToPeer, ["packets_to_client"] = PacketsToClient,
        };
        foreach (var (name, counters) in new[] { ("allocations_refused", _refused), ("auth_failures", _authFailures), ("dropped_packets", _dropped) })
            foreach (var (reason, box) in counters) all[$"{name}{{{reason}}}"] = Volatile.Read(ref box.Value);
        return all;
    }

    private static void Count(ConcurrentDictionary<string, StrongBox<long>> counters, string reason) =>
        Interlocked.Increment(ref counters.GetOrAdd(reason, static _ => new StrongBox<long>()).Value);

    private static IEnumerable<Measurement<long>> Tagged(ConcurrentDictionary<string, StrongBox<long>> counters)
    {
        foreach (var (reason, box) in counters)
            yield return new Measurement<long>(Volatile.Read(ref box.Value), new KeyValuePair<string, object?>("reason", reason));
    }

    private static Measurement<long>[] Directions(ref long toPeer, ref long toClient) =>
    [
        new(Volatile.Read(ref toPeer), new KeyValuePair<string, object?>("direction", "to_peer")),
        new(Volatile.Read(ref toClient), new KeyValuePair<string, object?>("direction", "to_client")),
    ];

    public void Dispose() => _meter.Dispose();
}
