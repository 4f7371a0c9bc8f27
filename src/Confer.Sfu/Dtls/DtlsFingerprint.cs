using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Confer.Sfu.Dtls;

/// <summary>Hash functions an SDP <c>a=fingerprint</c> may name (RFC 8122 §5, the IANA "Hash Function Textual Names").</summary>
internal enum DtlsHashFunction
{
    Sha1,   // sha-1
    Sha256, // sha-256
    Sha384, // sha-384
    Sha512, // sha-512
}

/// <summary>Why an <c>a=fingerprint</c> value was refused.</summary>
internal enum DtlsFingerprintError
{
    None,
    Empty,
    MissingSeparator,
    UnsupportedHashFunction,
    BadHex,
    WrongLength,
}

/// <summary>
/// A certificate fingerprint as SDP carries it (RFC 8122 §5):
/// <code>
/// fingerprint-attribute = "fingerprint" ":" hash-func SP fingerprint
/// hash-func             = "sha-1" / "sha-224" / "sha-256" / "sha-384" / "sha-512" / "md5" / "md2" / token
/// fingerprint           = 2UHEX *(":" 2UHEX)   ; the hash of the DER-encoded certificate
/// </code>
/// MD2 and MD5 are not accepted (RFC 8122 §5: a hash weaker than the signature is not allowed),
/// nor SHA-224 (no platform implementation). Hex digits are accepted in either case on input
/// (RFC 4572 allowed lower case) and written in upper case. Comparison takes constant time.
/// </summary>
internal sealed class DtlsFingerprint
{
    private readonly byte[] _value;

    private DtlsFingerprint(DtlsHashFunction hashFunction, byte[] value)
    {
        HashFunction = hashFunction;
        _value = value;
    }

    public DtlsHashFunction HashFunction { get; }

    /// <summary>The hash bytes.</summary>
    public ReadOnlySpan<byte> Value => _value;

    /// <summary>The fingerprint of a DER-encoded certificate with the given hash function.</summary>
    public static DtlsFingerprint FromCertificate(ReadOnlySpan<byte> der, DtlsHashFunction hashFunction = DtlsHashFunction.Sha256)
    {
        var value = new byte[HashLength(hashFunction)];
        Hash(hashFunction, der, value);
        return new DtlsFingerprint(hashFunction, value);
    }

    /// <summary>Builds a fingerprint from raw hash bytes (the length must fit the hash function).</summary>
    public static DtlsFingerprint FromHash(DtlsHashFunction hashFunction, ReadOnlySpan<byte> value)
    {
        if (value.Length != HashLength(hashFunction))
        {
            throw new ArgumentException($"A {Name(hashFunction)} fingerprint is {HashLength(hashFunction)} bytes, not {value.Length}.", nameof(value));
        }
        return new DtlsFingerprint(hashFunction, value.ToArray());
    }

    /// <summary>Parses the value of <c>a=fingerprint:</c> (hash-func SP fingerprint), e.g. <c>sha-256 AB:CD:…</c>.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out DtlsFingerprint? fingerprint, out DtlsFingerprintError error)
    {
        fingerprint = null;
        text = text.Trim();
        if (text.IsEmpty)
        {
            error = DtlsFingerprintError.Empty;
            return false;
        }
        int space = text.IndexOfAny(' ', '\t');
        if (space <= 0)
        {
            error = DtlsFingerprintError.MissingSeparator;
            return false;
        }
        if (!TryParseName(text[..space], out var hashFunction))
        {
            error = DtlsFingerprintError.UnsupportedHashFunction;
            return false;
        }
        var hex = text[(space + 1)..].TrimStart();
        int length = HashLength(hashFunction);
        // Each byte is two hex digits, bytes separated by ':' → 3n - 1 characters.
        if (hex.Length != (3 * length) - 1)
        {
            error = hex.Length == 0 || !LooksLikeHexList(hex) ? DtlsFingerprintError.BadHex : DtlsFingerprintError.WrongLength;
            return false;
        }
        var value = new byte[length];
        for (int i = 0; i < length; i++)
        {
            int at = i * 3;
            if (i > 0 && hex[at - 1] != ':')
            {
                error = DtlsFingerprintError.BadHex;
                return false;
            }
            int hi = HexValue(hex[at]);
            int lo = HexValue(hex[at + 1]);
            if (hi < 0 || lo < 0)
            {
                error = DtlsFingerprintError.BadHex;
                return false;
            }
            value[i] = (byte)((hi << 4) | lo);
        }
        fingerprint = new DtlsFingerprint(hashFunction, value);
        error = DtlsFingerprintError.None;
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>; for configuration and tests, not for what a peer sent.</summary>
    public static DtlsFingerprint Parse(string text) =>
        TryParse(text, out var fingerprint, out var error) ? fingerprint : throw new FormatException($"Not an SDP fingerprint ({error}): '{text}'.");

    /// <summary>Constant-time comparison (same hash function and same bytes).</summary>
    public bool Matches(DtlsFingerprint other) =>
        other.HashFunction == HashFunction && CryptographicOperations.FixedTimeEquals(_value, other._value);

    /// <summary>Hashes the DER certificate with this fingerprint's function and compares in constant time.</summary>
    public bool MatchesCertificate(ReadOnlySpan<byte> der)
    {
        Span<byte> computed = stackalloc byte[64];
        computed = computed[..HashLength(HashFunction)];
        Hash(HashFunction, der, computed);
        return CryptographicOperations.FixedTimeEquals(computed, _value);
    }

    /// <summary>The SDP form: <c>sha-256 AB:CD:…</c> (upper-case hex, RFC 8122 §5).</summary>
    public override string ToString()
    {
        string name = Name(HashFunction);
        return string.Create(name.Length + 1 + (_value.Length * 3) - 1, this, static (span, self) =>
        {
            string n = Name(self.HashFunction);
            n.AsSpan().CopyTo(span);
            span[n.Length] = ' ';
            int at = n.Length + 1;
            for (int i = 0; i < self._value.Length; i++)
            {
                if (i > 0)
                {
                    span[at++] = ':';
                }
                span[at++] = HexDigit(self._value[i] >> 4);
                span[at++] = HexDigit(self._value[i] & 0xF);
            }
        });
    }

    public static string Name(DtlsHashFunction hashFunction) => hashFunction switch
    {
        DtlsHashFunction.Sha1 => "sha-1",
        DtlsHashFunction.Sha256 => "sha-256",
        DtlsHashFunction.Sha384 => "sha-384",
        DtlsHashFunction.Sha512 => "sha-512",
        _ => throw new ArgumentOutOfRangeException(nameof(hashFunction)),
    };

    public static int HashLength(DtlsHashFunction hashFunction) => hashFunction switch
    {
        DtlsHashFunction.Sha1 => 20,
        DtlsHashFunction.Sha256 => 32,
        DtlsHashFunction.Sha384 => 48,
        DtlsHashFunction.Sha512 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(hashFunction)),
    };

    private static bool TryParseName(ReadOnlySpan<char> name, out DtlsHashFunction hashFunction)
    {
        // RFC 8122 §5: hash-func tokens are compared case-insensitively (they are IANA textual names).
        if (name.Equals("sha-256", StringComparison.OrdinalIgnoreCase)) { hashFunction = DtlsHashFunction.Sha256; return true; }
        if (name.Equals("sha-1", StringComparison.OrdinalIgnoreCase)) { hashFunction = DtlsHashFunction.Sha1; return true; }
        if (name.Equals("sha-384", StringComparison.OrdinalIgnoreCase)) { hashFunction = DtlsHashFunction.Sha384; return true; }
        if (name.Equals("sha-512", StringComparison.OrdinalIgnoreCase)) { hashFunction = DtlsHashFunction.Sha512; return true; }
        hashFunction = default;
        return false;
    }

    private static void Hash(DtlsHashFunction hashFunction, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        _ = hashFunction switch
        {
            DtlsHashFunction.Sha1 => SHA1.HashData(data, destination),
            DtlsHashFunction.Sha256 => SHA256.HashData(data, destination),
            DtlsHashFunction.Sha384 => SHA384.HashData(data, destination),
            DtlsHashFunction.Sha512 => SHA512.HashData(data, destination),
            _ => throw new ArgumentOutOfRangeException(nameof(hashFunction)),
        };
    }

    private static bool LooksLikeHexList(ReadOnlySpan<char> hex)
    {
        foreach (char c in hex)
        {
            if (c != ':' && HexValue(c) < 0)
            {
                return false;
            }
        }
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };

    private static char HexDigit(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);
}
