using System.Diagnostics.Metrics;

namespace Confer.Turn;

/// <summary>
/// Counters of the STUN/TURN server on the <c>Confer.Turn</c> meter (System.Diagnostics.Metrics); the
/// host exports them at <c>/metrics</c>. Adding to a counter allocates nothing.
/// </summary>
public sealed class TurnMetrics : IDisposable
{
    public const string MeterName = "Confer.Turn";
    private readonly Meter _meter;
    private readonly Counter<long> _created, _expired, _deleted, _refused, _authFailures, _packets, _bytes, _stunRequests, _dropped;
    private long _active;

    public TurnMetrics(IMeterFactory? factory = null)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _created = _meter.CreateCounter<long>("allocations_created", description: "Allocations created.");
        _expired = _meter.CreateCounter<long>("allocations_expired", description: "Allocations that timed out.");
        _deleted = _meter.CreateCounter<long>("allocations_deleted", description: "Allocations deleted by Refresh 0 or connection close.");
        _refused = _meter.CreateCounter<long>("allocations_refused", description: "Allocate requests refused, by reason.");
        _authFailures = _meter.CreateCounter<long>("auth_failures", description: "Long-term credential failures, by reason.");
        _packets = _meter.CreateCounter<long>("relayed_packets", description: "Packets relayed, by direction.");
        _bytes = _meter.CreateCounter<long>("relayed_bytes", description: "Application bytes relayed, by direction.");
        _stunRequests = _meter.CreateCounter<long>("binding_requests", description: "Binding requests answered.");
        _dropped = _meter.CreateCounter<long>("dropped_packets", description: "Packets dropped, by reason.");
        _meter.CreateObservableGauge("allocations_active", () => Volatile.Read(ref _active), description: "Allocations active now.");
    }

    public long ActiveAllocations => Volatile.Read(ref _active);

    public void AllocationCreated() { Interlocked.Increment(ref _active); _created.Add(1); }
    public void AllocationExpired() { Interlocked.Decrement(ref _active); _expired.Add(1); }
    public void AllocationDeleted() { Interlocked.Decrement(ref _active); _deleted.Add(1); }
    public void AllocationRefused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public void AuthFailed(string reason) => _authFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public void BindingAnswered() => _stunRequests.Add(1);
    public void Dropped(string reason) => _dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    private static readonly KeyValuePair<string, object?> ToPeer = new("direction", "to_peer");
    private static readonly KeyValuePair<string, object?> ToClient = new("direction", "to_client");

    public void RelayedToPeer(int bytes) { _packets.Add(1, ToPeer); _bytes.Add(bytes, ToPeer); }
    public void RelayedToClient(int bytes) { _packets.Add(1, ToClient); _bytes.Add(bytes, ToClient); }

    public void Dispose() => _meter.Dispose();
}
