using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Confer.Turn.Auth;

/// <summary>
/// Time-limited "REST API" TURN credentials, as coturn's use-auth-secret understands them: the username
/// is "expiry:userid" (or just "expiry"), expiry in Unix seconds; the password is
/// base64(HMAC-SHA1(secret, username)).
/// </summary>
public static class RestCredentials
{
    public static string Password(string secret, string username) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username)));

    /// <summary>Makes a username and password valid until <paramref name="expires"/>.</summary>
    public static (string Username, string Password) Create(string secret, string userId, DateTimeOffset expires)
    {
        var username = string.IsNullOrEmpty(userId)
            ? expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)
            : $"{expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}:{userId}";
        return (username, Password(secret, username));
    }

    /// <summary>Reads the expiry from the username; false when it has none.</summary>
    public static bool TryGetExpiry(string username, out DateTimeOffset expires)
    {
        expires = default;
        int colon = username.IndexOf(':', StringComparison.Ordinal);
        var head = colon < 0 ? username : username[..colon];
        if (!long.TryParse(head, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) || seconds > 253402300799) return false;
        expires = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }
}
