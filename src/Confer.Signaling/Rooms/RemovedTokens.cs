using Confer.Signaling.Auth;

namespace Confer.Signaling.Rooms;

/// <summary>
/// Tokens whose participant the server API removed: until the token expires it cannot join (or resume) again, so
/// a removed participant needs a new token from the application. Bounded: past <see cref="Capacity"/> entries
/// the expired ones go, then the ones closest to expiring. Expiry reads the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed class RemovedTokens(TimeProvider time)
{
    public const int Capacity = 65_536;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _until = new(StringComparer.Ordinal);

    public int Count { get { lock (_gate) return _until.Count; } }

    public void Add(AccessToken token)
    {
        var until = token.Expires + AccessTokenValidator.ClockSkew;
        lock (_gate)
        {
            if (_until.Count >= Capacity) Trim();
            _until[KeyOf(token)] = until;
        }
    }

    public bool Contains(AccessToken token)
    {
        lock (_gate)
        {
            if (!_until.TryGetValue(KeyOf(token), out var until)) return false;
            if (until > time.GetUtcNow()) return true;
            _until.Remove(KeyOf(token));
            return false;
        }
    }

    private void Trim()
    {
        var now = time.GetUtcNow();
        foreach (var (key, until) in _until)
            if (until <= now) _until.Remove(key);
        if (_until.Count < Capacity) return;
        var soonest = _until.MinBy(e => e.Value).Key;
        _until.Remove(soonest);
    }

    /// <summary>The token's signature; for tokens made in code, what the token says about whom, where and when.</summary>
    private static string KeyOf(AccessToken t) => t.TokenId
        ?? string.Join('\n', t.ApiKey, t.Identity, t.Video.Room, t.NotBefore?.ToUnixTimeSeconds(), t.Expires.ToUnixTimeSeconds());
}
