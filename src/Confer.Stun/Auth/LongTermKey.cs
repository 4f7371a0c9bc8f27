using System.Security.Cryptography;
using System.Text;

namespace Confer.Stun.Auth;

/// <summary>PASSWORD-ALGORITHM values (RFC 8489 §18.5).</summary>
public enum PasswordAlgorithm : ushort
{
    Md5 = 0x0001,     // MD5
    Sha256 = 0x0002,  // SHA-256
}

/// <summary>
/// Long-term credential keys (RFC 8489 §9.2.2): key = H(username ":" realm ":" password), H being
/// MD5 (16 bytes) or SHA-256 (32 bytes). Realm and password go through OpaqueString (RFC 8265);
/// for the ASCII credentials used in practice that is the identity, so it is applied as NFC here.
/// </summary>
public static class LongTermKey
{
    public static byte[] Derive(PasswordAlgorithm algorithm, string username, string realm, string password)
    {
        var input = Encoding.UTF8.GetBytes($"{username}:{realm.Normalize(NormalizationForm.FormC)}:{password.Normalize(NormalizationForm.FormC)}");
        return algorithm switch
        {
            PasswordAlgorithm.Md5 => MD5.HashData(input),
            PasswordAlgorithm.Sha256 => SHA256.HashData(input),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown password algorithm."),
        };
    }

    /// <summary>USERHASH (RFC 8489 §14.4): SHA-256(username ":" realm).</summary>
    public static byte[] UserHash(string username, string realm) =>
        SHA256.HashData(Encoding.UTF8.GetBytes($"{username}:{realm.Normalize(NormalizationForm.FormC)}"));

    /// <summary>Short-term credential key: the password itself after OpaqueString (RFC 8489 §9.1.1).</summary>
    public static byte[] ShortTerm(string password) => Encoding.UTF8.GetBytes(password.Normalize(NormalizationForm.FormC));
}
