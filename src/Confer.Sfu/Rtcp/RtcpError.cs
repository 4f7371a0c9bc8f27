namespace Confer.Sfu.Rtcp;

/// <summary>Why bytes were not a well-formed RTCP packet, or why a write could not be done. Bad packets are values, not exceptions.</summary>
internal enum RtcpError
{
    None = 0,
    /// <summary>Fewer than the 4-byte common header (RFC 3550 §6.4.1).</summary>
    TooShort,
    /// <summary>The version field is not 2.</summary>
    BadVersion,
    /// <summary>The length field ((words − 1) × 4) runs past the end of the compound packet.</summary>
    LengthMismatch,
    /// <summary>The P bit is set but the padding count is 0 or larger than the packet body.</summary>
    BadPadding,
    /// <summary>The packet type or feedback format is not the one this reader handles.</summary>
    WrongType,
    /// <summary>The body is shorter than its fixed fields, or than its count field requires.</summary>
    BodyTooShort,
    /// <summary>An SDES item or BYE reason runs past the end of the packet.</summary>
    ItemTruncated,
    /// <summary>A payload-specific feedback message lacks the "REMB" identifier.</summary>
    NotRemb,
    /// <summary>TWCC packet chunks do not cover the packet status count.</summary>
    ChunksTruncated,
    /// <summary>TWCC receive deltas run past the end of the packet.</summary>
    DeltasTruncated,
    /// <summary>A TWCC status symbol is the reserved value 11.</summary>
    ReservedSymbol,
    /// <summary>The destination span cannot hold what is being written or expanded.</summary>
    DestinationTooSmall,
    /// <summary>A writer was given nothing to write (no lost sequence numbers, no packets).</summary>
    NothingToWrite,
    /// <summary>A writer was given values out of range (too many report blocks, sequence numbers out of order, a too small size limit).</summary>
    InvalidArgument,
}
