namespace Confer.Sfu.Rtp;

/// <summary>Why bytes were not a well-formed RTP packet, or why a write could not be done. Bad packets are values, not exceptions.</summary>
internal enum RtpError
{
    None = 0,
    /// <summary>Fewer than the 12 bytes of the fixed header (RFC 3550 §5.1).</summary>
    TooShort,
    /// <summary>The version field is not 2.</summary>
    BadVersion,
    /// <summary>The CSRC list (CC × 4 bytes) runs past the end.</summary>
    CsrcTruncated,
    /// <summary>The X bit is set but the 4-byte extension header or its length × 4 bytes run past the end (RFC 3550 §5.3.1).</summary>
    ExtensionTruncated,
    /// <summary>An RFC 8285 element's length runs past the end of the extension block.</summary>
    ExtensionElementTruncated,
    /// <summary>The P bit is set but the padding count is 0 or larger than what follows the header (RFC 3550 §5.1).</summary>
    BadPadding,
    /// <summary>No extension with that id, or the id is 0 (not negotiated).</summary>
    ExtensionNotFound,
    /// <summary>The extension exists but its value has a different length than the one being written or expected.</summary>
    ExtensionLengthMismatch,
    /// <summary>An RTX payload shorter than the 2-byte original sequence number (RFC 4588 §4).</summary>
    RtxPayloadTooShort,
    /// <summary>The destination span cannot hold the packet being written.</summary>
    DestinationTooSmall,
}
