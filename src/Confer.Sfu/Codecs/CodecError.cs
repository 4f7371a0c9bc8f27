namespace Confer.Sfu.Codecs;

/// <summary>Why an RTP payload's codec descriptor could not be read. Bad payloads are values, not exceptions.</summary>
internal enum CodecError
{
    None = 0,
    /// <summary>The payload is empty or shorter than the descriptor's fixed part.</summary>
    TooShort,
    /// <summary>A flag announces an optional field that runs past the end of the payload.</summary>
    Truncated,
    /// <summary>A field holds a value the specification forbids (e.g. a NAL unit of size 0, a fourth P_DIFF).</summary>
    Malformed,
    /// <summary>A well-formed packetization this reader does not handle (H.264 STAP-B, MTAP, FU-B).</summary>
    Unsupported,
}
