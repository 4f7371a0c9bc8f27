using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Confer.Server.Webhooks;

/// <summary>One event on its way to one receiver: the event and its body, serialized once for every receiver.</summary>
internal sealed record WebhookItem(WebhookEvent Event, byte[] Body);

/// <summary>
/// The queue and delivery loop of one receiver URL. Events go out one at a time in the order they were queued,
/// so a room's events arrive in the order the room raised them; a failed POST is retried with exponential
/// backoff (<see cref="WebhookOptions.InitialBackoff"/> doubling up to <see cref="WebhookOptions.MaxBackoff"/>,
/// at most <see cref="WebhookOptions.MaxAttempts"/> attempts within <see cref="WebhookOptions.MaxRetryTime"/>),
/// and while it is retried the later events wait behind it. What waits is bounded in events and bytes: when
/// full, the oldest waiting event is dropped and counted, and the next delivered event says how many were lost
/// before it (<c>numDropped</c>: those and any given up after their last retry). Overflow is logged once when it starts and once when it ends, not per event.
/// </summary>
internal sealed partial class WebhookQueue(Uri url, WebhookOptions options, WebhookSigner signer, HttpClient http,
    WebhookMetrics metrics, TimeProvider time, ILogger log)
{
    private readonly Queue<WebhookItem> _items = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _signal = new(0);
    // Logs name the receiver by scheme, host and port only: a path, query or user info may hold a receiver's own secret.
    private readonly string _target = url.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
    private long _bytes;
    private int _unreportedDrops;
    private long _burstDrops;
    private bool _completed;

    public Uri Url => url;

    /// <summary>Events waiting now (the one being delivered not included).</summary>
    public int Count { get { lock (_gate) return _items.Count; } }

    /// <summary>Queues <paramref name="item"/>; never waits. When over a bound, drops the oldest waiting events.</summary>
    public void Offer(WebhookItem item)
    {
        long dropped = 0, droppedBytes = 0;
        bool burstStarted = false;
        lock (_gate)
        {
            if (_completed) { metrics.Dropped("shutdown"); return; }
            _items.Enqueue(item);
            _bytes += item.Body.Length;
            while (_items.Count > options.MaxQueuedEvents || (_bytes > options.MaxQueuedBytes && _items.Count > 0))
            {
                var old = _items.Dequeue();
                _bytes -= old.Body.Length;
                dropped++;
                droppedBytes += old.Body.Length;
            }
            if (dropped > 0)
            {
                _unreportedDrops = (int)Math.Min(int.MaxValue, _unreportedDrops + dropped);
                burstStarted = _burstDrops == 0;
                _burstDrops += dropped;
            }
        }
        metrics.Queued(1 - dropped, item.Body.Length - droppedBytes);
        for (long i = 0; i < dropped; i++) metrics.Dropped("overflow");
        if (burstStarted) LogOverflowStarted(log, _target, options.MaxQueuedEvents, options.MaxQueuedBytes);
        _signal.Release();
    }

    /// <summary>No more events: the loop delivers what waits and then ends.</summary>
    public void Complete()
    {
        lock (_gate) _completed = true;
        _signal.Release();
    }

    /// <summary>Delivers until <see cref="Complete"/> and empty, or until <paramref name="abort"/> (the rest is dropped and counted).</summary>
    public async Task RunAsync(CancellationToken abort)
    {
        try
        {
            while (true)
            {
                await _signal.WaitAsync(abort).ConfigureAwait(false);
                while (TryTake(out var item, out int drops))
                    await DeliverAsync(item, drops, abort).ConfigureAwait(false);
                lock (_gate) if (_completed && _items.Count == 0) return;
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            DropRest();
        }
    }

    private bool TryTake(out WebhookItem item, out int drops)
    {
        lock (_gate)
        {
            drops = 0;
            if (!_items.TryDequeue(out item!)) return false;
            _bytes -= item.Body.Length;
            drops = _unreportedDrops;
            _unreportedDrops = 0;
        }
        metrics.Queued(-1, -item.Body.Length);
        return true;
    }

    private void DropRest()
    {
        int count;
        long bytes;
        lock (_gate)
        {
            _completed = true;
            count = _items.Count;
            bytes = _bytes;
            _items.Clear();
            _bytes = 0;
        }
        metrics.Queued(-count, -bytes);
        for (int i = 0; i < count; i++) metrics.Dropped("shutdown");
        if (count > 0) LogShutdownDropped(log, count, _target);
    }

    private async Task DeliverAsync(WebhookItem item, int drops, CancellationToken abort)
    {
        // A receiver that lost events hears how many on the next one it gets (WebhookEvent.num_dropped).
        var body = drops == 0 ? item.Body
            : JsonSerializer.SerializeToUtf8Bytes(item.Event with { NumDropped = drops }, WebhookJsonContext.Default.WebhookEvent);
        var started = time.GetTimestamp();
        var backoff = options.InitialBackoff;
        for (int attempt = 1; ; attempt++)
        {
            var (failure, status) = await PostAsync(body, abort).ConfigureAwait(false);
            if (failure is null)
            {
                metrics.Delivered();
                EndBurstIfDrained();
                return;
            }
            if (abort.IsCancellationRequested) { metrics.Dropped("shutdown"); throw new OperationCanceledException(abort); }
            metrics.Failed(failure);
            // Full jitter on top of the doubling keeps many servers from retrying in step.
            var wait = backoff + TimeSpan.FromTicks((long)(backoff.Ticks * 0.25 * Random.Shared.NextDouble()));
            if (attempt >= options.MaxAttempts || time.GetElapsedTime(started) + wait > options.MaxRetryTime)
            {
                metrics.Dropped("retries");
                lock (_gate) _unreportedDrops = (int)Math.Min(int.MaxValue, (long)_unreportedDrops + drops + 1); // the next one tells
                LogGaveUp(log, item.Event.Event, item.Event.Room?.Name ?? "", _target, attempt, failure, status);
                return;
            }
            LogRetrying(log, item.Event.Event, _target, attempt, failure, status, (int)wait.TotalMilliseconds);
            try { await Task.Delay(wait, time, abort).ConfigureAwait(false); }
            catch (OperationCanceledException) { metrics.Dropped("shutdown"); throw; }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxBackoff.Ticks));
        }
    }

    /// <summary>One POST; null on a 2xx, else why it failed.</summary>
    private async Task<(string? Failure, int Status)> PostAsync(byte[] body, CancellationToken abort)
    {
        using var timeout = new CancellationTokenSource(options.RequestTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, abort);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/webhook+json");
        // LiveKit's receivers read the bare JWT from Authorization (no "Bearer" scheme).
        request.Headers.TryAddWithoutValidation("Authorization", signer.Sign(body));
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? (null, (int)response.StatusCode) : ("status", (int)response.StatusCode);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !abort.IsCancellationRequested)
        {
            return ("timeout", 0);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            return ("shutdown", 0);
        }
        catch (HttpRequestException)
        {
            return ("network", 0);
        }
    }

    private void EndBurstIfDrained()
    {
        long ended;
        lock (_gate)
        {
            if (_burstDrops == 0 || _items.Count >= options.MaxQueuedEvents / 2) return;
            ended = _burstDrops;
            _burstDrops = 0;
        }
        LogOverflowEnded(log, _target, ended);
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Warning,
        Message = "Webhook receiver {Url} is not keeping up: its queue is full ({MaxEvents} events or {MaxBytes} bytes), the oldest events are being dropped")]
    private static partial void LogOverflowStarted(ILogger logger, string url, int maxEvents, long maxBytes);

    [LoggerMessage(EventId = 701, Level = LogLevel.Information, Message = "Webhook receiver {Url} is keeping up again; {Dropped} events were dropped meanwhile")]
    private static partial void LogOverflowEnded(ILogger logger, string url, long dropped);

    [LoggerMessage(EventId = 702, Level = LogLevel.Debug, Message = "Webhook {Event} to {Url}: attempt {Attempt} failed ({Reason} {Status}); retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, string @event, string url, int attempt, string reason, int status, int delayMs);

    [LoggerMessage(EventId = 703, Level = LogLevel.Warning, Message = "Webhook {Event} of room {Room} to {Url} dropped after {Attempts} attempts (last: {Reason} {Status})")]
    private static partial void LogGaveUp(ILogger logger, string @event, string room, string url, int attempts, string reason, int status);

    [LoggerMessage(EventId = 704, Level = LogLevel.Warning, Message = "Shutting down: {Count} webhook events for {Url} were not delivered in time")]
    private static partial void LogShutdownDropped(ILogger logger, int count, string url);
}
