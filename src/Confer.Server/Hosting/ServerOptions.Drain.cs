using System.Globalization;

namespace Confer.Server.Hosting;

/// <summary>Graceful restart: how long a SIGTERM or Ctrl-C lets TURN allocations drain (docs/configuration.md, "Graceful restart").</summary>
public sealed partial class ServerOptions
{
    /// <summary>The longest <see cref="DrainTimeout"/> accepted: a service manager's stop timeout must stay above it.</summary>
    public static readonly TimeSpan MaxDrainTimeout = TimeSpan.FromMinutes(30);

    /// <summary>
    /// On SIGTERM or Ctrl-C (<c>--drain-timeout</c>), how long Confer keeps relaying for the TURN allocations it holds
    /// before it exits; it exits as soon as the last one is gone. Zero exits at once. Default 30 s.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks <see cref="DrainTimeout"/>; a sentence that says what to change, or null.</summary>
    public string? ValidateDrain() =>
        DrainTimeout < TimeSpan.Zero || DrainTimeout > MaxDrainTimeout
            ? $"--drain-timeout {FormatDuration(DrainTimeout)} must be between 0 and {MaxDrainTimeout.TotalMinutes:0} minutes (like 30s or 2m)."
            : null;

    /// <summary>Reads a duration as <c>30s</c>, <c>2m</c>, <c>1h</c>, <c>500ms</c>, plain seconds (<c>45</c>) or <c>00:00:30</c>.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        (string digits, double unit) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (text[..^2], 0.001),
            _ when text.EndsWith('s') || text.EndsWith('S') => (text[..^1], 1.0),
            _ when text.EndsWith('m') || text.EndsWith('M') => (text[..^1], 60.0),
            _ when text.EndsWith('h') || text.EndsWith('H') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) && Math.Abs(n * unit) < 1e7)
        {
            value = TimeSpan.FromSeconds(n * unit);
            return true;
        }
        return text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }

    internal static string FormatDuration(TimeSpan t) =>
        t.TotalSeconds == Math.Floor(t.TotalSeconds) ? $"{t.TotalSeconds:0}s" : $"{t.TotalMilliseconds:0}ms";
}
