namespace Confer.Sfu.Srtp;

/// <summary>Why an SRTP or SRTCP packet was not protected or unprotected. Bad packets are values, never exceptions.</summary>
public enum SrtpError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The packet is shorter than its header, its tag and (for SRTCP) its index trailer.</summary>
    TooShort,

    /// <summary>The RTP/RTCP version is not 2, or the CSRC list or header extension runs past the packet (RFC 3550 §5.1).</summary>
    Malformed,

    /// <summary>The buffer has no room after the packet for the tag (see <see cref="SrtpProfiles.MaxProtectOverhead"/>).</summary>
    BufferTooSmall,

    /// <summary>The authentication tag did not verify (RFC 3711 §3.3 step 5, RFC 7714 §8.3).</summary>
    AuthenticationFailed,

    /// <summary>This packet index was already seen inside the replay window (RFC 3711 §3.3.2).</summary>
    Replayed,

    /// <summary>The packet index lies behind the replay window (RFC 3711 §3.3.2).</summary>
    TooOld,

    /// <summary>The profile is not one of <see cref="SrtpProfile"/>'s values.</summary>
    UnknownProfile,

    /// <summary>The key or salt has the wrong length for the profile (RFC 5764 §4.2).</summary>
    BadKeyLength,

    /// <summary>A new SSRC would exceed the session's cap on tracked SSRCs.</summary>
    TooManySsrcs,

    /// <summary>
    /// The sending context has used up its index space: 2^48 SRTP packets (RFC 3711 §3.3.1) or
    /// 2^31 SRTCP packets (RFC 3711 §3.4) for this SSRC. The session must be re-keyed.
    /// </summary>
    IndexExhausted,
}
