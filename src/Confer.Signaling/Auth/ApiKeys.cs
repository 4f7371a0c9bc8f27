namespace Confer.Signaling.Auth;

/// <summary>
/// API keys and their secrets. Parsed from <c>"key: secret"</c> lines (the LiveKit <c>--keys</c> format;
/// several pairs may be separated by newlines or commas).
/// </summary>
public sealed class ApiKeys
{
    public const string DevKey = "devkey";
    public const string DevSecret = "secret";

    private readonly Dictionary<string, string> _secrets = new(StringComparer.Ordinal);

    public int Count => _secrets.Count;
    public IEnumerable<string> Keys => _secrets.Keys;

    public void Add(string key, string secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentException.ThrowIfNullOrEmpty(secret);
        _secrets[key] = secret;
    }

    public bool TryGetSecret(string? key, out string secret)
    {
        secret = "";
        return key is not null && _secrets.TryGetValue(key, out secret!);
    }

    /// <summary>Parses <c>"k1: s1, k2: s2"</c> or one pair per line; returns an error sentence or null.</summary>
    public string? AddFrom(string text)
    {
        foreach (var raw in text.Split([',', '\n', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = raw.IndexOf(':');
            if (colon <= 0 || colon == raw.Length - 1)
                return $"--keys entry '{Redact(raw)}' must look like \"key: secret\".";
            Add(raw[..colon].Trim(), raw[(colon + 1)..].Trim());
        }
        return null;
    }

    private static string Redact(string entry) => entry.Length <= 4 ? "…" : entry[..4] + "…";
}
