using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Confer.Turn.Allocations;

namespace Confer.Turn.Auth;

/// <summary>
/// Stateless, expiring nonces (RFC 8489 §9.2): <c>obMatJos2</c> + the security feature set + expiry +
/// an HMAC over expiry and client IP with a key made at start. Checking one needs no table, so a
/// stranger's requests never create state on the server.
/// </summary>
public sealed class NonceService(TimeProvider time, TimeSpan lifetime)
{
    /// <summary>The nonce cookie (RFC 8489 §9.2.2).</summary>
    public const string Cookie = "obMatJos2";

    /// <summary>Security features, 24 bits in base64 (RFC 8489 §18.1): bit 0 password algorithms, bit 1 username anonymity.</summary>
    public const string Features = "wAAA";

    private const int MacHexLength = 32;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public string Create(in TransportAddress client)
    {
        long expires = time.GetUtcNow().Add(lifetime).ToUnixTimeSeconds();
        var expiresHex = expires.ToString("x", CultureInfo.InvariantCulture);
        return string.Concat(Cookie, Features, expiresHex, "-", Mac(expiresHex, client));
    }

    public enum Check { Valid, Stale, Invalid }

    /// <summary>Valid, expired (→ 438) or not ours at all.</summary>
    public Check Verify(ReadOnlySpan<byte> nonce, in TransportAddress client)
    {
        int prefix = Cookie.Length + Features.Length;
        if (nonce.Length < prefix + 2 + MacHexLength || nonce.Length > 64) return Check.Invalid;
        if (!nonce[..prefix].SequenceEqual(Encoding.ASCII.GetBytes(Cookie + Features))) return Check.Invalid;
        var rest = Encoding.ASCII.GetString(nonce[prefix..]);
        int dash = rest.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0) return Check.Invalid;
        var expiresHex = rest[..dash];
        if (!long.TryParse(expiresHex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long expires)) return Check.Invalid;
        var expected = Encoding.ASCII.GetBytes(Mac(expiresHex, client));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(rest[(dash + 1)..]))) return Check.Invalid;
        return expires > time.GetUtcNow().ToUnixTimeSeconds() ? Check.Valid : Check.Stale;
    }

    private string Mac(string expiresHex, in TransportAddress client)
    {
        Span<byte> input = stackalloc byte[64];
        int n = Encoding.ASCII.GetBytes(expiresHex, input);
        n += client.WriteAddressBytes(input[n..]);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, input[..n], mac);
        return Convert.ToHexStringLower(mac[..(MacHexLength / 2)]);
    }
}
