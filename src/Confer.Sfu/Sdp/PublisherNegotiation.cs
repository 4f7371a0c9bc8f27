namespace Confer.Sfu.Sdp;

/// <summary>What the publisher's offer and the SFU's answer agreed, per m= section, for the SFU to use.</summary>
internal sealed record PublisherNegotiation(IReadOnlyList<NegotiatedMedia> Media, IReadOnlyList<string> RejectedMids)
{
    public NegotiatedMedia? Find(string mid) => Media.FirstOrDefault(m => m.Mid == mid);
}

/// <param name="Mid">The m= section's mid (RFC 5888 §4).</param>
/// <param name="Kind">"audio", "video" or "application".</param>
/// <param name="Direction">The answer's direction (recvonly, or inactive when the browser sends nothing).</param>
/// <param name="Codecs">Accepted codecs in preference order, each with its RTX payload type if any.</param>
/// <param name="Rids">Simulcast rids the SFU receives, in the offer's order (RFC 8853 §5.1); empty without simulcast.</param>
/// <param name="ExtensionIds">Header extension URI → id, as the offer numbered them (RFC 8285 §6).</param>
/// <param name="Ssrcs">SSRCs the offer announced (RFC 5576), each with its RTX SSRC from a=ssrc-group:FID.</param>
internal sealed record NegotiatedMedia(
    string Mid,
    string Kind,
    SdpDirection Direction,
    IReadOnlyList<NegotiatedCodec> Codecs,
    IReadOnlyList<string> Rids,
    IReadOnlyDictionary<string, int> ExtensionIds,
    IReadOnlyList<NegotiatedSsrc> Ssrcs,
    string? StreamId,
    string? TrackId,
    int? SctpPort)
{
    public int? ExtensionId(string uri) => ExtensionIds.TryGetValue(uri, out int id) ? id : null;
}

internal sealed record NegotiatedCodec(int PayloadType, string Name, int ClockRate, int Channels, string? Fmtp, int? RtxPayloadType, IReadOnlyList<string> Feedback);

internal readonly record struct NegotiatedSsrc(uint Ssrc, uint? RtxSsrc);
