namespace Confer.Stun;

/// <summary>Why bytes were not a well-formed STUN message. Bad packets are values, not exceptions.</summary>
public enum StunError
{
    None = 0,
    /// <summary>Fewer than the 20 header bytes.</summary>
    TooShort,
    /// <summary>The first two bits are not zero (RFC 8489 §6.3): not STUN (maybe ChannelData, RTP or DTLS).</summary>
    NotStun,
    /// <summary>The magic cookie is not 0x2112A442.</summary>
    BadMagicCookie,
    /// <summary>The header's length is not a multiple of 4.</summary>
    UnalignedLength,
    /// <summary>The header's length disagrees with the bytes present.</summary>
    LengthMismatch,
    /// <summary>An attribute header or value runs past the end of the message.</summary>
    AttributeTruncated,
    /// <summary>An attribute follows FINGERPRINT, or something other than FINGERPRINT follows MESSAGE-INTEGRITY(-SHA256).</summary>
    AttributeAfterIntegrity,
    /// <summary>Too many attributes for a sane message.</summary>
    TooManyAttributes,
}
