namespace Confer.Sfu.Srtp;

/// <summary>
/// The DTLS-SRTP protection profiles Confer speaks (RFC 5764 §4.1.2, RFC 7714 §14.2). The numeric
/// value is the two-byte identifier carried in the DTLS <c>use_srtp</c> extension.
/// </summary>
public enum SrtpProfile : ushort
{
    /// <summary>AES-128 counter mode, HMAC-SHA1 tag truncated to 80 bits (RFC 3711 §4.1.1, §4.2.1).</summary>
    Aes128CmHmacSha1Tag80 = 0x0001, // SRTP_AES128_CM_HMAC_SHA1_80

    /// <summary>AES-128 in Galois/counter mode with a 128-bit tag (RFC 7714 §14.2).</summary>
    AeadAes128Gcm = 0x0007, // SRTP_AEAD_AES_128_GCM
}

/// <summary>Key, salt and tag lengths of each profile (RFC 5764 §4.1.2, RFC 7714 §14.2).</summary>
internal static class SrtpProfiles
{
    /// <summary>
    /// The most bytes a protect call appends to a packet, for any profile and for RTP or RTCP:
    /// an SRTCP AEAD packet grows by a 16-byte tag and the 4-byte E-flag/index trailer.
    /// A buffer handed to <see cref="SrtpSession"/> protect methods needs this much room after the packet.
    /// </summary>
    public const int MaxProtectOverhead = 20;

    /// <summary>True for the profiles this implementation knows.</summary>
    public static bool IsKnown(SrtpProfile profile) =>
        profile is SrtpProfile.Aes128CmHmacSha1Tag80 or SrtpProfile.AeadAes128Gcm;

    /// <summary>Master (and session) encryption key length: 16 bytes for both profiles.</summary>
    public static int KeyLength(SrtpProfile profile) => 16;

    /// <summary>Master salt length: 112 bits for AES-CM (RFC 3711 §8.2), 96 bits for GCM (RFC 7714 §14.2).</summary>
    public static int SaltLength(SrtpProfile profile) => profile == SrtpProfile.AeadAes128Gcm ? 12 : 14;

    /// <summary>Authentication tag length: 10 bytes (HMAC-SHA1-80) or 16 bytes (GCM).</summary>
    public static int TagLength(SrtpProfile profile) => profile == SrtpProfile.AeadAes128Gcm ? 16 : 10;

    /// <summary>Bytes an SRTP packet grows by when protected: the tag (RFC 3711 §3.1, RFC 7714 §8).</summary>
    public static int RtpOverhead(SrtpProfile profile) => TagLength(profile);

    /// <summary>Bytes an SRTCP packet grows by: the tag plus the 4-byte E-flag/index word (RFC 3711 §3.4).</summary>
    public static int RtcpOverhead(SrtpProfile profile) => TagLength(profile) + 4;
}
