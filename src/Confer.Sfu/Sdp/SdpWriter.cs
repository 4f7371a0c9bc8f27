using System.Globalization;
using System.Text;

namespace Confer.Sfu.Sdp;

/// <summary>
/// Serializes a <see cref="SessionDescription"/> deterministically: the same model always gives the same text,
/// lines end with CRLF (RFC 8866 §5), and attributes come in a fixed order close to the one JSEP implementations
/// use (RFC 8829 §5.2.1): transport (c, rtcp, ICE, DTLS), mid, extmaps, direction, msid, rtcp-mux, codecs
/// (rtpmap, rtcp-fb, fmtp per payload type), rids, simulcast, ssrc-groups, ssrcs, SCTP, candidates, then the
/// lines the model has no name for, in the order they were read.
/// </summary>
internal static class SdpWriter
{
    public static string Write(SessionDescription description)
    {
        var text = new StringBuilder(1024 + description.Media.Count * 1024);
        Line(text, "v=0");
        Line(text, $"o={description.OriginUsername} {description.SessionId} {Num(description.SessionVersion)} {description.OriginAddress}");
        Line(text, $"s={description.SessionName}");
        Line(text, $"t={description.Timing}");
        foreach (var group in description.Groups)
            Line(text, group.Mids.Count == 0 ? $"a=group:{group.Semantics}" : $"a=group:{group.Semantics} {string.Join(' ', group.Mids)}");
        if (description.ExtmapAllowMixed) Line(text, "a=extmap-allow-mixed");
        if (description.MsidSemantic is not null) Line(text, $"a=msid-semantic:{description.MsidSemantic}");
        if (description.IceLite) Line(text, "a=ice-lite");
        WriteTransport(text, description.IceUfrag, description.IcePwd, description.IceOptions, description.Fingerprints, description.Setup);
        foreach (var line in description.OtherLines) Line(text, $"{line.Type}={line.Value}");
        foreach (var media in description.Media) WriteMedia(text, media);
        return text.ToString();
    }

    public static byte[] WriteUtf8(SessionDescription description) => Encoding.UTF8.GetBytes(Write(description));

    private static void WriteMedia(StringBuilder text, MediaDescription media)
    {
        string port = media.PortCount > 0 ? $"{Num(media.Port)}/{Num(media.PortCount)}" : Num(media.Port);
        string formats = media.Formats.Count == 0 ? "" : " " + string.Join(' ', media.Formats);
        Line(text, $"m={media.Kind} {port} {media.Proto}{formats}");
        if (media.Connection is not null) Line(text, $"c={media.Connection}");
        foreach (var bandwidth in media.Bandwidths) Line(text, $"b={bandwidth}");
        if (media.Rtcp is not null) Line(text, $"a=rtcp:{media.Rtcp}");
        WriteTransport(text, media.IceUfrag, media.IcePwd, media.IceOptions, media.Fingerprints, media.Setup);
        if (media.Mid is not null) Line(text, $"a=mid:{media.Mid}");
        if (media.BundleOnly) Line(text, "a=bundle-only");
        foreach (var ext in media.ExtMaps)
        {
            string id = ext.Direction is null ? Num(ext.Id) : $"{Num(ext.Id)}/{ext.Direction}";
            Line(text, ext.Attributes is null ? $"a=extmap:{id} {ext.Uri}" : $"a=extmap:{id} {ext.Uri} {ext.Attributes}");
        }
        if (media.ExtmapAllowMixed) Line(text, "a=extmap-allow-mixed");
        if (SdpEnums.Name(media.Direction) is { } direction) Line(text, $"a={direction}");
        foreach (var msid in media.Msids) Line(text, msid.TrackId is null ? $"a=msid:{msid.StreamId}" : $"a=msid:{msid.StreamId} {msid.TrackId}");
        if (media.RtcpMux) Line(text, "a=rtcp-mux");
        if (media.RtcpMuxOnly) Line(text, "a=rtcp-mux-only");
        if (media.RtcpRsize) Line(text, "a=rtcp-rsize");
        foreach (var feedback in media.WildcardFeedback) Line(text, $"a=rtcp-fb:* {feedback}");
        foreach (var codec in media.Codecs)
        {
            string pt = Num(codec.PayloadType);
            if (codec.HasRtpMap)
            {
                Line(text, codec.Channels > 0
                    ? $"a=rtpmap:{pt} {codec.Name}/{Num(codec.ClockRate)}/{Num(codec.Channels)}"
                    : $"a=rtpmap:{pt} {codec.Name}/{Num(codec.ClockRate)}");
            }
            foreach (var feedback in codec.Feedback) Line(text, $"a=rtcp-fb:{pt} {feedback}");
            if (codec.Fmtp is not null) Line(text, $"a=fmtp:{pt} {codec.Fmtp}");
        }
        foreach (var rid in media.Rids) Line(text, rid.Parameters is null ? $"a=rid:{rid.Id} {rid.Direction}" : $"a=rid:{rid.Id} {rid.Direction} {rid.Parameters}");
        if (media.Simulcast is { } simulcast) Line(text, $"a=simulcast:{SimulcastValue(simulcast)}");
        foreach (var group in media.SsrcGroups)
            Line(text, $"a=ssrc-group:{group.Semantics} {string.Join(' ', group.Ssrcs.Select(Num))}");
        foreach (var ssrc in media.Ssrcs)
            Line(text, ssrc.Value is null ? $"a=ssrc:{Num(ssrc.Ssrc)} {ssrc.Attribute}" : $"a=ssrc:{Num(ssrc.Ssrc)} {ssrc.Attribute}:{ssrc.Value}");
        if (media.SctpPort is { } sctp) Line(text, $"a=sctp-port:{Num(sctp)}");
        if (media.MaxMessageSize is { } max) Line(text, $"a=max-message-size:{max.ToString(CultureInfo.InvariantCulture)}");
        foreach (var candidate in media.Candidates) Line(text, $"a=candidate:{candidate}");
        if (media.EndOfCandidates) Line(text, "a=end-of-candidates");
        foreach (var line in media.OtherLines) Line(text, $"{line.Type}={line.Value}");
    }

    private static void WriteTransport(StringBuilder text, string? ufrag, string? pwd, string? options, List<SdpFingerprint> fingerprints, SdpSetup setup)
    {
        if (ufrag is not null) Line(text, $"a=ice-ufrag:{ufrag}");
        if (pwd is not null) Line(text, $"a=ice-pwd:{pwd}");
        if (options is not null) Line(text, $"a=ice-options:{options}");
        foreach (var fingerprint in fingerprints) Line(text, $"a=fingerprint:{fingerprint.Algorithm} {fingerprint.Value}");
        if (SdpEnums.Name(setup) is { } name) Line(text, $"a=setup:{name}");
    }

    /// <summary>RFC 8853 §5.1: "send h;m;l recv x".</summary>
    public static string SimulcastValue(SdpSimulcast simulcast)
    {
        var parts = new List<string>(2);
        if (simulcast.Send.Count > 0) parts.Add("send " + StreamList(simulcast.Send));
        if (simulcast.Recv.Count > 0) parts.Add("recv " + StreamList(simulcast.Recv));
        return string.Join(' ', parts);

        static string StreamList(List<List<SdpSimulcastRid>> streams) =>
            string.Join(';', streams.Select(alternatives => string.Join(',', alternatives.Select(r => r.Paused ? "~" + r.Rid : r.Rid))));
    }

    private static void Line(StringBuilder text, string line) => text.Append(line).Append("\r\n");

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
    private static string Num(uint value) => value.ToString(CultureInfo.InvariantCulture);
    private static string Num(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
