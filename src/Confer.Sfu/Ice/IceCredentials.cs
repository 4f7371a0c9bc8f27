using System.Security.Cryptography;
using System.Text;

namespace Confer.Sfu.Ice;

/// <summary>
/// An ICE username fragment and password (RFC 8445 §5.3; the SDP grammar, RFC 8839 §5.4):
/// <code>
/// ice-ufrag-att = "ice-ufrag:" ufrag      ufrag    = 4*256ice-char
/// ice-pwd-att   = "ice-pwd:" password     password = 22*256ice-char
/// ice-char      = ALPHA / DIGIT / "+" / "/"
/// </code>
/// A Binding request's USERNAME is "receiver-ufrag:sender-ufrag" and its MESSAGE-INTEGRITY is keyed with the receiver's
/// password (RFC 8445 §7.2.2, short-term credentials, RFC 8489 §9.1).
/// </summary>
public sealed record IceCredentials(string Ufrag, string Password)
{
    public const int MinUfragLength = 4;
    public const int MinPasswordLength = 22;
    public const int MaxLength = 256;

    /// <summary>The 64 ice-chars: 6 random bits each.</summary>
    private const string IceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// <summary>
    /// New random credentials from <see cref="RandomNumberGenerator"/> (RFC 8445 §5.3: at least 24 bits in the ufrag,
    /// 128 in the password; the defaults give 48 and 144).
    /// </summary>
    public static IceCredentials Generate(int ufragLength = 8, int passwordLength = 24)
    {
        if (ufragLength is < MinUfragLength or > MaxLength) throw new ArgumentOutOfRangeException(nameof(ufragLength), ufragLength, "RFC 8445 §5.3: a ufrag is 4 to 256 ice-chars.");
        if (passwordLength is < MinPasswordLength or > MaxLength) throw new ArgumentOutOfRangeException(nameof(passwordLength), passwordLength, "RFC 8445 §5.3: a password is 22 to 256 ice-chars.");
        return new IceCredentials(RandomNumberGenerator.GetString(IceChars, ufragLength), RandomNumberGenerator.GetString(IceChars, passwordLength));
    }

    /// <summary>True for an ALPHA, DIGIT, "+" or "/" (RFC 8839 §5.4).</summary>
    public static bool IsIceChar(int c) => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '+' or '/';

    public static bool IsValidUfrag(ReadOnlySpan<char> ufrag) => IsValid(ufrag, MinUfragLength);

    public static bool IsValidPassword(ReadOnlySpan<char> password) => IsValid(password, MinPasswordLength);

    private static bool IsValid(ReadOnlySpan<char> text, int min)
    {
        if (text.Length < min || text.Length > MaxLength) return false;
        foreach (var c in text) if (!IsIceChar(c)) return false;
        return true;
    }

    /// <summary>The short-term MESSAGE-INTEGRITY key: the password's bytes (RFC 8489 §9.1.1; ice-chars are ASCII, which OpaqueString leaves as is).</summary>
    internal byte[] Key() => Encoding.ASCII.GetBytes(Password);

    /// <summary>Never shows the password (it would end up in a log line).</summary>
    public override string ToString() => $"ufrag {Ufrag}";
}
