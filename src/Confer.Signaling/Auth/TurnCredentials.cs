using System.Security.Cryptography;
using System.Text;

namespace Confer.Signaling.Auth;

/// <summary>
/// TURN REST credentials ("use-auth-secret", draft-uberti-behave-turn-rest): username
/// <c>&lt;expiry unix seconds&gt;:&lt;identity&gt;</c>, password <c>base64(HMAC-SHA1(secret, username))</c>.
/// </summary>
public static class TurnCredentials
{
    public static (string Username, string Credential) Create(string secret, string identity, DateTimeOffset expires)
    {
        var username = $"{expires.ToUnixTimeSeconds()}:{identity}";
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username));
        return (username, Convert.ToBase64String(mac));
    }
}
