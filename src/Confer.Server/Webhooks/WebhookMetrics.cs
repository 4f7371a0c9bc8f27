using Prometheus;

namespace Confer.Server.Webhooks;

/// <summary>
/// Webhook figures on <c>/metrics</c>: events delivered, attempts failed (by reason: <c>status</c>, <c>timeout</c>,
/// <c>network</c>), events dropped (by reason: <c>overflow</c> when a queue was full, <c>retries</c> when every attempt
/// failed, <c>shutdown</c> when the drain time ran out), and events and bytes waiting. The same figures are kept
/// per process in plain fields so a test can read them without parsing text.
/// </summary>
internal sealed class WebhookMetrics
{
    public static readonly string[] FailureReasons = ["status", "timeout", "network"];
    public static readonly string[] DropReasons = ["overflow", "retries", "shutdown"];

    private readonly Counter _delivered;
    private readonly Counter _failed;
    private readonly Counter _dropped;
    private readonly Gauge _queued;
    private readonly Gauge _queuedBytes;
    private long _deliveredCount, _failedCount, _droppedCount, _queuedCount, _queuedByteCount;


    public WebhookMetrics(IMetricFactory factory)
    {
        _delivered = factory.CreateCounter("confer_webhooks_delivered_total", "Webhook events a receiver accepted (2xx).");
        _failed = factory.CreateCounter("confer_webhooks_failed_total", "Webhook POSTs that failed, by reason (each retry counts).", ["reason"]);
        _dropped = factory.CreateCounter("confer_webhooks_dropped_total", "Webhook events given up on, by reason.", ["reason"]);
        _queued = factory.CreateGauge("confer_webhooks_queued", "Webhook events waiting for delivery, all receivers together.");
        _queuedBytes = factory.CreateGauge("confer_webhooks_queued_bytes", "Bytes of webhook bodies waiting for delivery, all receivers together.");
        foreach (var reason in FailureReasons) _failed.WithLabels(reason);
        foreach (var reason in DropReasons) _dropped.WithLabels(reason);
    }

    public long DeliveredCount => Interlocked.Read(ref _deliveredCount);
    public long FailedCount => Interlocked.Read(ref _failedCount);
    public long DroppedCount => Interlocked.Read(ref _droppedCount);
    public long QueuedCount => Interlocked.Read(ref _queuedCount);
    public long QueuedBytes => Interlocked.Read(ref _queuedByteCount);

    public void Delivered() { _delivered.Inc(); Interlocked.Increment(ref _deliveredCount); }
    public void Failed(string reason) { _failed.WithLabels(reason).Inc(); Interlocked.Increment(ref _failedCount); }
    public void Dropped(string reason) { _dropped.WithLabels(reason).Inc(); Interlocked.Increment(ref _droppedCount); }

    public void Queued(long events, long bytes)
    {
        _queued.Inc(events);
        _queuedBytes.Inc(bytes);
        Interlocked.Add(ref _queuedCount, events);
        Interlocked.Add(ref _queuedByteCount, bytes);
    }
}
