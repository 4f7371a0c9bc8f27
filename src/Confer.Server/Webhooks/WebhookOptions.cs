namespace Confer.Server.Webhooks;

/// <summary>
/// Where room events are posted and how hard Confer tries (<c>--webhook</c>, the <c>Webhooks</c> section).
/// Defaults keep a receiver that is down for a minute from losing anything, and one that stays down from
/// costing more than <see cref="MaxQueuedBytes"/> per URL.
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>Receivers (<c>--webhook URL</c>, repeatable; <c>Webhooks:Urls</c>): each gets every event, on its own queue.</summary>
    public List<string> Urls { get; set; } = [];

    /// <summary>The API key whose secret signs the webhooks (<c>Webhooks:ApiKey</c>); default: the first API key.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Events waiting per URL at most; beyond, the oldest is dropped and counted.</summary>
    public int MaxQueuedEvents { get; set; } = 10_000;

    /// <summary>Bytes of event bodies waiting per URL at most; beyond, the oldest is dropped and counted.</summary>
    public long MaxQueuedBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>How long one POST may take before it counts as failed (and is retried).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait before the first retry; each further retry waits twice as long, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts per event, the first one included; then the event is dropped and counted.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Time one event may spend being retried, from its first attempt; no retry starts after it.</summary>
    public TimeSpan MaxRetryTime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>On shutdown, how long Confer keeps delivering what is queued before it gives up on the rest.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The sentence an operator reads when <paramref name="url"/> cannot be a receiver, or null when it can.</summary>
    public static string? CheckUrl(string url, string setting) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0
            ? null
            : $"{setting} '{url}' must be an absolute http:// or https:// URL, like https://example.org/hooks/confer.";

    /// <summary>Checks the settings; returns a sentence that says what to change, or null.</summary>
    public string? Validate()
    {
        foreach (var url in Urls)
            if (CheckUrl(url, "Webhooks:Urls entry") is { } problem) return problem;
        if (MaxQueuedEvents < 1) return "Webhooks:MaxQueuedEvents must be at least 1.";
        if (MaxQueuedBytes < 1024) return "Webhooks:MaxQueuedBytes must be at least 1024 bytes.";
        if (RequestTimeout <= TimeSpan.Zero) return "Webhooks:RequestTimeout must be positive.";
        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff) return "Webhooks:InitialBackoff must be positive and at most Webhooks:MaxBackoff.";
        if (MaxAttempts < 1) return "Webhooks:MaxAttempts must be at least 1.";
        if (MaxRetryTime < TimeSpan.Zero || DrainTimeout < TimeSpan.Zero) return "Webhooks:MaxRetryTime and Webhooks:DrainTimeout cannot be negative.";
        return null;
    }
}
