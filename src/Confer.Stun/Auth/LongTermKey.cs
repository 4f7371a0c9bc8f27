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
/// MD5 (16 bytes) or SHA-256 (32 bytes).
/// <para>
/// Realm and password are prepared with <see cref="Prepare"/>, the SASLprep mapping RFC 5389 used
/// (RFC 4013): the RFC 5769 §2.4 vector only verifies that way ("The&lt;U+00AD&gt;M&lt;U+00AA&gt;tr&lt;U+2168&gt;" becomes
/// "TheMatrIX"). For ASCII, which is what TURN REST credentials and nearly every deployment use,
/// SASLprep, RFC 8489's OpaqueString and no preparation at all agree.
/// </para>
/// </summary>
public static class LongTermKey
{
    public static byte[] Derive(PasswordAlgorithm algorithm, string username, string realm, string password)
    {
        var input = Encoding.UTF8.GetBytes($"{username}:{Prepare(realm)}:{Prepare(password)}");
        return algorithm switch
        {
            PasswordAlgorithm.Md5 => MD5.HashData(input),
            PasswordAlgorithm.Sha256 => SHA256.HashData(input),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown password algorithm."),
        };
    }

    /// <summary>Key length for an algorithm: 16 for MD5, 32 for SHA-256.</summary>
    public static int KeyLength(PasswordAlgorithm algorithm) => algorithm == PasswordAlgorithm.Md5 ? 16 : 32;

    /// <summary>USERHASH (RFC 8489 §14.4): SHA-256(username ":" realm).</summary>
    public static byte[] UserHash(string username, string realm) =>
        SHA256.HashData(Encoding.UTF8.GetBytes($"{username}:{Prepare(realm)}"));

    /// <summary>Short-term credential key: the password itself, prepared (RFC 8489 §9.1.1).</summary>
    public static byte[] ShortTerm(string password) => Encoding.UTF8.GetBytes(Prepare(password));

    /// <summary>
    /// SASLprep's mapping and normalization (RFC 4013 §2.1–2.2): non-ASCII spaces become U+0020, the
    /// characters "commonly mapped to nothing" (RFC 3454 table B.1) are removed, then NFKC.
    /// ASCII input comes back unchanged without allocating.
    /// </summary>
    public static string Prepare(string text)
    {
        if (Ascii.IsValid(text)) return text;
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            int c = rune.Value;
            if (IsMappedToNothing(c)) continue;
            if (IsNonAsciiSpace(c)) { builder.Append(' '); continue; }
            builder.Append(rune.ToString());
        }
        return Nfkc(builder.ToString());
    }

    // RFC 3454 table B.1.
    private static bool IsMappedToNothing(int c) =>
        c is 0x00AD or 0x034F or 0x1806 or (>= 0x180B and <= 0x180D) or (>= 0x200B and <= 0x200D)
            or 0x2060 or (>= 0xFE00 and <= 0xFE0F) or 0xFEFF;

    // RFC 3454 table C.1.2.
    private static bool IsNonAsciiSpace(int c) =>
        c is 0x00A0 or 0x1680 or (>= 0x2000 and <= 0x200B) or 0x202F or 0x205F or 0x3000;

    private static readonly bool PlatformNormalizes = ProbePlatformNormalization();

    private static bool ProbePlatformNormalization()
    {
        try
        {
            return "\u00AA\u2168".Normalize(NormalizationForm.FormKC) == "aIX";
        }
        catch (PlatformNotSupportedException)
        {
            return false;
        }
    }

    /// <summary>
    /// NFKC. The platform's normalization is used when it works; under globalization-invariant mode
    /// (which Confer runs in) it does not, and the compatibility mappings passwords plausibly
    /// contain are applied here instead: Latin-1 superscripts, ordinals and fractions, Roman numerals,
    /// full-width ASCII. (Canonical composition of decomposed accents is left to the platform.)
    /// </summary>
    private static string Nfkc(string text)
    {
        if (PlatformNormalizes) return text.Normalize(NormalizationForm.FormKC);
        var builder = new StringBuilder(text.Length);
        foreach (var ch in text) builder.Append(CompatibilityMapping(ch) ?? ch.ToString());
        return builder.ToString();
    }

    private static readonly string[] RomanNumerals =
        ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "L", "C", "D", "M"];

    private static string? CompatibilityMapping(char c) => c switch
    {
        '\u00AA' => "a",
        '\u00B2' => "2",
        '\u00B3' => "3",
        '\u00B5' => "\u03BC",
        '\u00B9' => "1",
        '\u00BA' => "o",
        '\u00BC' => "1\u20444",
        '\u00BD' => "1\u20442",
        '\u00BE' => "3\u20444",
        >= '\u2160' and <= '\u216F' => RomanNumerals[c - 0x2160],
        >= '\u2170' and <= '\u217F' => RomanNumerals[c - 0x2170].ToLowerInvariant(),
        >= '\uFF01' and <= '\uFF5E' => ((char)(c - 0xFEE0)).ToString(),
        _ => null,
    };
}
