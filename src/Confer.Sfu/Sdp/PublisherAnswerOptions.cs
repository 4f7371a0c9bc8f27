namespace Confer.Sfu.Sdp;

/// <summary>What the SFU accepts from a publisher; defaults match a Chrome 120+ offer.</summary>
internal sealed record PublisherAnswerOptions
{
    public static readonly PublisherAnswerOptions Default = new();

    /// <summary>Video codecs in the SFU's order of preference (the answer's m= line order, RFC 3264 §6.1).</summary>
    public IReadOnlyList<string> VideoCodecs { get; init; } = ["VP8", "H264"];

    /// <summary>Accept RFC 2198 redundant audio (Chrome's "red/48000/2" over Opus), listed before Opus.</summary>
    public bool AcceptOpusRed { get; init; }

    /// <summary>rtcp-fb values kept (RFC 4585 §4.2, RFC 5104 §7.1, draft-holmer transport-cc); others, goog-remb among them, are dropped.</summary>
    public IReadOnlySet<string> Feedback { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "transport-cc", "nack", "nack pli", "ccm fir" };

    /// <summary>Header extensions accepted by URI with the offer's ids; others are left out of the answer (RFC 8285 §6).</summary>
    public IReadOnlySet<string> ExtensionUris { get; init; } = new HashSet<string>(StringComparer.Ordinal)
    {
        SdpExtensionUris.Mid, SdpExtensionUris.Rid, SdpExtensionUris.RepairedRid,
        SdpExtensionUris.AbsSendTime, SdpExtensionUris.TransportWideCc, SdpExtensionUris.AudioLevel,
    };

    /// <summary>a=sctp-port of the answer's data channel section (RFC 8841 §5.2).</summary>
    public int SctpPort { get; init; } = 5000;

    /// <summary>a=max-message-size of the answer's data channel section (RFC 8841 §6).</summary>
    public long MaxMessageSize { get; init; } = 262144;

    /// <summary>o= sess-id (RFC 8866 §5.2); null draws a random one.</summary>
    public ulong? SessionId { get; init; }
}
