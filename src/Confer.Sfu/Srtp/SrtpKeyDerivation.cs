namespace Confer.Sfu.Srtp;

/// <summary>
/// The SRTP key derivation function (RFC 3711 §4.3) with the AES-CM PRF (§4.3.3) and a key
/// derivation rate of 0, which DTLS-SRTP mandates (RFC 5764 §4.1.2); RFC 7714 §11 reuses it for GCM.
/// <code>
/// key_id = label || r          (r = 0 when the derivation rate is 0: 8 + 48 bits)
/// x      = key_id XOR master_salt                              (112 bits)
/// session key = AES-CM(master_key, IV = x * 2^16) truncated to the wanted length
/// </code>
/// A 96-bit GCM master salt is taken as the high 96 bits of the 112-bit value (zero-padded on the
/// right), which is what libsrtp and browsers do.
/// </summary>
internal static class SrtpKeyDerivation
{
    /// <summary>SRTP encryption key label (RFC 3711 §4.3.1).</summary>
    public const byte RtpEncryption = 0x00;

    /// <summary>SRTP authentication key label.</summary>
    public const byte RtpAuthentication = 0x01;

    /// <summary>SRTP salting key label.</summary>
    public const byte RtpSalt = 0x02;

    /// <summary>SRTCP encryption key label (RFC 3711 §4.3.2).</summary>
    public const byte RtcpEncryption = 0x03;

    /// <summary>SRTCP authentication key label.</summary>
    public const byte RtcpAuthentication = 0x04;

    /// <summary>SRTCP salting key label.</summary>
    public const byte RtcpSalt = 0x05;

    /// <summary>Fills <paramref name="output"/> with the session key for <paramref name="label"/>.</summary>
    public static void Derive(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, byte label, Span<byte> output)
    {
        using var prf = new AesCounterMode(masterKey);
        Derive(prf, masterSalt, label, output);
    }

    /// <summary>Same as the other overload with the AES-CM PRF already keyed with the master key.</summary>
    public static void Derive(AesCounterMode prf, ReadOnlySpan<byte> masterSalt, byte label, Span<byte> output)
    {
        Span<byte> iv = stackalloc byte[16];
        iv.Clear();
        masterSalt[..Math.Min(14, masterSalt.Length)].CopyTo(iv);
        iv[7] ^= label; // the label sits 48 bits above the low end of the 112-bit x
        output.Clear();
        prf.Xor(iv, output);
    }
}
