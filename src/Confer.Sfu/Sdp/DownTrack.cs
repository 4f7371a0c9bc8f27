namespace Confer.Sfu.Sdp;

/// <summary>
/// One track the SFU sends to a subscriber, as the subscriber offer describes it: a single SSRC (plus an RTX SSRC
/// paired by a=ssrc-group:FID, RFC 4588 §8.7 / RFC 5576 §4.2), its msid (RFC 8830) and one codec.
/// </summary>
/// <param name="TrackId">Stable key of the track across offers; also the msid track id.</param>
/// <param name="Kind">"audio" or "video".</param>
/// <param name="StreamId">msid stream id (the publishing participant's stream).</param>
/// <param name="Codec">The codec sent; its RtxPayloadType is used only when <paramref name="RtxSsrc"/> is set.</param>
internal sealed record DownTrack(string TrackId, string Kind, string StreamId, NegotiatedCodec Codec, uint Ssrc, uint? RtxSsrc, string Cname);

/// <summary>Subscriber offer settings; header extensions are offered with these ids (RFC 8285 §6).</summary>
internal sealed record SubscriberOfferOptions
{
    public static readonly SubscriberOfferOptions Default = new();

    /// <summary>Offer an m=application data channel section first (it also keeps the BUNDLE tag stable across offers, RFC 8843 §7).</summary>
    public bool IncludeDataChannel { get; init; } = true;

    public IReadOnlyList<SdpExtMap> AudioExtensions { get; init; } =
    [
        new(1, SdpExtensionUris.AudioLevel), new(2, SdpExtensionUris.AbsSendTime), new(3, SdpExtensionUris.TransportWideCc),
    ];

    public IReadOnlyList<SdpExtMap> VideoExtensions { get; init; } =
    [
        new(2, SdpExtensionUris.AbsSendTime), new(3, SdpExtensionUris.TransportWideCc),
    ];

    public int SctpPort { get; init; } = 5000;
    public long MaxMessageSize { get; init; } = 262144;

    /// <summary>o= sess-id (RFC 8866 §5.2); null draws a random one.</summary>
    public ulong? SessionId { get; init; }
}

/// <summary>An offer and the mid each down-track got.</summary>
internal sealed record SubscriberOffer(SessionDescription Description, IReadOnlyDictionary<string, string> MidByTrack)
{
    public string Text => SdpWriter.Write(Description);
}

/// <summary>What the browser's answer says about its end of the transport (RFC 8839 §5.4, RFC 8122 §5).</summary>
internal sealed record SubscriberAnswer(string IceUfrag, string IcePwd, SdpFingerprint Fingerprint, SdpSetup Setup,
    IReadOnlyList<string> AcceptedMids, IReadOnlyList<string> RejectedMids, IReadOnlyList<string> Candidates);
