namespace Confer.Sfu.Sdp;

/// <summary>Why an SDP could not be parsed or negotiated. Bad input is a value, never an exception.</summary>
internal enum SdpErrorKind
{
    None = 0,
    Empty,
    TooLarge,               // over SdpLimits.MaxBytes (UTF-8 bytes)
    TooManyLines,           // over SdpLimits.MaxLines
    LineTooLong,            // over SdpLimits.MaxLineLength
    TooManyMediaSections,   // over SdpLimits.MaxMediaSections
    MissingVersion,         // RFC 8866 §5.1: the first line must be v=0
    BadMediaLine,           // RFC 8866 §5.14: m=<media> <port> <proto> <fmt> ...
    NotAnOffer,             // an offer the answer builder cannot answer (no media, no ICE credentials)
    NotAnAnswer,            // an answer that does not match the offer it answers
    MissingIceCredentials,  // RFC 8839 §5.4: ice-ufrag and ice-pwd
    MissingFingerprint,     // RFC 8122 §5: a=fingerprint
    BadSetup,               // RFC 8842 §5.2: the answerer to a passive offer must be active
}

/// <summary>An SDP error with the 1-based line where it was found (0 when not tied to a line).</summary>
internal readonly record struct SdpError(SdpErrorKind Kind, int Line, string Detail)
{
    public static readonly SdpError None = new(SdpErrorKind.None, 0, "");

    public override string ToString() => Line > 0 ? $"{Kind} at line {Line}: {Detail}" : $"{Kind}: {Detail}";
}

/// <summary>
/// Bounds on what the parser accepts, checked before any work that grows with the input. The SFU's subscriber offer
/// for 50 down-tracks measured 38–42 KB (about 1,150 lines) and Chromium's answer to it 34 KB; the defaults leave
/// room for six times that.
/// </summary>
internal sealed record SdpLimits
{
    public static readonly SdpLimits Default = new();

    /// <summary>UTF-8 bytes of the whole description.</summary>
    public int MaxBytes { get; init; } = 256 * 1024;

    /// <summary>Lines of any kind, blank ones included.</summary>
    public int MaxLines { get; init; } = 8192;

    /// <summary>Characters in one line.</summary>
    public int MaxLineLength { get; init; } = 4096;

    /// <summary>m= sections.</summary>
    public int MaxMediaSections { get; init; } = 256;
}
