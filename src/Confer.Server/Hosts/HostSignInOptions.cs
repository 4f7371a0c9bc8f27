using System.Security.Cryptography;
using System.Text;

namespace Confer.Server.Hosts;

/// <summary>
/// Who may start meetings in the app (docs/configuration.md, "Hosts and guests"): one shared host password, or named host
/// accounts, or both. Signing in is one call (<see cref="Check"/>) behind the session cookie, so another way in (OIDC) can
/// take its place without the rest changing.
/// </summary>
public sealed class HostSignInOptions
{
    public const string Section = "Hosts";

    /// <summary>A password every host signs in with (<c>--host-password</c>); hosts then give their name.</summary>
    public string? Password { get; set; }

    /// <summary>Host accounts, <c>name: password</c> each (<c>--host-account</c>).</summary>
    public List<string> Accounts { get; } = [];

    /// <summary>Whether guests of a new meeting wait in the lobby until a host admits them (a host may choose per meeting).</summary>
    public bool Lobby { get; set; } = true;

    /// <summary>How long a host stays signed in on one browser.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>True when any host can sign in.</summary>
    public bool Enabled => !string.IsNullOrEmpty(Password) || Accounts.Count > 0;

    /// <summary>Adds <c>name: password</c> entries (several separated by commas or lines); an error sentence, or null.</summary>
    public string? AddAccounts(string value)
    {
        foreach (var entry in value.Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == entry.Length - 1 || entry[..colon].Trim().Length > 64) return "has an entry that is not \"name: password\"";
            Accounts.Add(entry);
        }
        return null;
    }

    /// <summary>A sentence naming what is wrong, or null.</summary>
    public string? Validate(bool dev)
    {
        if (SessionLifetime < TimeSpan.FromMinutes(5)) return "Hosts:SessionLifetime must be at least 00:05:00.";
        if (dev) return null;
        if (Password is { Length: > 0 and < 12 }) return "Hosts:Password needs 12 or more characters outside --dev.";
        foreach (var entry in Accounts)
            if (entry[(entry.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().Length < 12)
                return $"Hosts:Accounts: the password of '{entry[..entry.IndexOf(':', StringComparison.Ordinal)].Trim()}' needs 12 or more characters outside --dev.";
        return null;
    }

    /// <summary>
    /// The host's display name when <paramref name="password"/> is right: an account's name (given in
    /// <paramref name="account"/>, any case), or with the shared password the name given there. Time-constant comparisons.
    /// </summary>
    public string? Check(string? account, string password)
    {
        string? match = null;
        foreach (var entry in Accounts)
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            var name = entry[..colon].Trim();
            if (Same(entry[(colon + 1)..].Trim(), password) & string.Equals(name, account?.Trim(), StringComparison.OrdinalIgnoreCase))
                match = name;
        }
        if (match is null && !string.IsNullOrEmpty(Password) && Same(Password, password))
            match = string.IsNullOrWhiteSpace(account) ? "Host" : account.Trim();
        return match is { Length: > 64 } ? match[..64] : match;
    }

    private static bool Same(string expected, string given) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(given)));
}
