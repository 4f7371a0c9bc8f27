namespace Confer.Server.Hosting;

/// <summary>
/// Secrets long enough not to be guessed. Every participant holds an access token signed with an API secret, and
/// TURN REST passwords are HMACs of the TURN secret: with one of either in hand, a short secret can be brute-forced
/// offline into admin tokens or TURN credentials. Outside <c>--dev</c> each must have <see cref="MinLength"/> characters.
/// </summary>
internal static class SecretRules
{
    public const int MinLength = 32;

    private const string HowTo = "make one with `openssl rand -base64 32`";

    /// <summary>
    /// Checks every API secret (from <c>--keys</c>, <c>CONFER_KEYS</c> or <c>Signaling:Keys</c>, all gathered in
    /// <c>Signaling.Keys</c> by now) and the TURN secret; returns one sentence naming the short one, or null.
    /// </summary>
    public static string? Check(ServerOptions options)
    {
        if (options.Dev) return null;
        foreach (var key in options.Signaling.Keys.Keys)
        {
            options.Signaling.Keys.TryGetSecret(key, out var secret);
            if (secret.Length < MinLength)
                return $"the secret of API key '{key}' (--keys, CONFER_KEYS or Signaling:Keys) has {secret.Length} characters; outside --dev it needs " +
                    $"at least {MinLength}, or anyone holding a token can guess it offline: {HowTo}.";
        }
        if (options.TurnSecret.Length is > 0 and < MinLength)
            return $"--turn-secret has {options.TurnSecret.Length} characters; outside --dev it needs at least {MinLength}, or anyone holding " +
                $"TURN credentials can guess it offline: {HowTo}.";
        return null;
    }
}
