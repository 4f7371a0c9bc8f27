using System.Text.Json;
using Confer.Server.Hosting;
using Confer.Signaling;
using Confer.Signaling.Events;
using Microsoft.Extensions.Options;

namespace Confer.Server.Webhooks;

/// <summary>
/// Owns the webhook receivers: one <see cref="WebhookQueue"/> and one delivery loop per URL, so a receiver that
/// is down or slow holds up only itself. <see cref="Enqueue"/> serializes an event once and offers it to every
/// queue without waiting. At start it reads the <c>Webhooks</c> configuration section (beside <c>--webhook</c>),
/// checks it, and picks the signing key; at stop it first lets the room-event queue hand over the last events
/// (the rooms' shutdown raises participant_left and room_finished), then delivers what is queued for at most
/// <see cref="WebhookOptions.DrainTimeout"/>.
/// </summary>
internal sealed partial class WebhookDispatcher(ServerOptions server, SignalingOptions signaling, WebhookMetrics metrics,
    IServiceProvider services, TimeProvider time, ILogger<WebhookDispatcher> log, IConfiguration? configuration = null) : IHostedService, IDisposable
{
    private WebhookQueue[] _queues = [];
    private Task[] _loops = [];
    private HttpClient? _http;
    private int _disposed;
    private readonly CancellationTokenSource _abort = new();

    public WebhookOptions Options => server.Webhooks;

    /// <summary>True once started with at least one URL.</summary>
    public bool Enabled => Volatile.Read(ref _queues).Length > 0;

    internal IReadOnlyList<WebhookQueue> Queues => _queues;

    /// <summary>Serializes <paramref name="e"/> once and queues it for every receiver; never waits.</summary>
    public void Enqueue(string room, WebhookEvent e)
    {
        var queues = Volatile.Read(ref _queues);
        if (queues.Length == 0) return;
        var item = new WebhookItem(e, JsonSerializer.SerializeToUtf8Bytes(e, WebhookJsonContext.Default.WebhookEvent));
        foreach (var queue in queues) queue.Offer(item);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = server.Webhooks;
        if (configuration?.GetSection("Webhooks") is { } section && section.Exists())
        {
            section.Bind(options);
            // One string works too (an environment variable, Webhooks__Urls="https://a/x,https://b/y").
            if (section["Urls"] is { Length: > 0 } list)
                options.Urls.AddRange(list.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            options.Urls = [.. options.Urls.Distinct(StringComparer.Ordinal)];
        }
        if (options.Urls.Count == 0) return Task.CompletedTask;
        if (options.Validate() is { } problem) throw Invalid(problem);
        var key = options.ApiKey ?? signaling.Keys.Keys.FirstOrDefault();
        if (key is null) throw Invalid("Webhooks are signed with an API key's secret: give --keys (or --dev), or remove the webhook URLs.");
        if (!signaling.Keys.TryGetSecret(key, out var secret))
            throw Invalid($"Webhooks:ApiKey '{key}' is not one of the API keys; name a key given with --keys.");

        var signer = new WebhookSigner(key, secret, time);
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // a receiver that moved answers 3xx: that is a failure to fix, not a place to post signed events
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = options.RequestTimeout,
        })
        { Timeout = Timeout.InfiniteTimeSpan }; // each POST has its own timeout on the TimeProvider
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Confer-Webhooks/1");
        var queues = options.Urls.Select(u => new WebhookQueue(new Uri(u), options, signer, _http, metrics, time, log)).ToArray();
        _loops = [.. queues.Select(q => Task.Run(() => q.RunAsync(_abort.Token), CancellationToken.None))];
        Volatile.Write(ref _queues, queues);
        LogStarted(log, queues.Length, key);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_queues.Length == 0) return;
        // Stopping the event queue delivers its last events (to us among others); stopping it twice is harmless.
        // (Asked for here, not in the constructor: the event queue holds our observer, which holds us.)
        await services.GetRequiredService<RoomEventQueue>().StopAsync(cancellationToken).ConfigureAwait(false);
        foreach (var queue in _queues) queue.Complete();
        // After the drain time whatever is left is dropped and counted (the clock is the TimeProvider's, like the backoff's).
        await using var drain = time.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), _abort, server.Webhooks.DrainTimeout, Timeout.InfiniteTimeSpan);
        try { await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(false); }
        catch (OperationCanceledException) { await _abort.CancelAsync().ConfigureAwait(false); }
    }

    /// <summary>Idempotent: the container disposes this twice (as itself and as the hosted service it also is).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _abort.Cancel();
        _abort.Dispose();
        _http?.Dispose();
    }

    private static OptionsValidationException Invalid(string problem) => new("Webhooks", typeof(WebhookOptions), [problem]);

    [LoggerMessage(EventId = 710, Level = LogLevel.Information, Message = "Webhooks: posting room events to {Count} URL(s), signed with API key {ApiKey}")]
    private static partial void LogStarted(ILogger logger, int count, string apiKey);
}
