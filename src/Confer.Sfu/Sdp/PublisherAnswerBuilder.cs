using System.Globalization;
using System.Security.Cryptography;

namespace Confer.Sfu.Sdp;

/// <summary>
/// Answers a publisher's offer (the browser offers, the SFU answers: RFC 8829 §5.3.1) for an ICE-lite, DTLS
/// passive SFU with one BUNDLE transport (RFC 8843 §7.3) and rtcp-mux. Per m= section, in offer order:
/// <list type="bullet">
/// <item>audio: Opus (with useinbandfec=1), RED over Opus if enabled;</item>
/// <item>video: VP8 and H.264 packetization-mode=1, each with its RTX (RFC 4588 apt), simulcast send → recv (RFC 8853 §5.3);</item>
/// <item>application: the SCTP data channel (RFC 8841);</item>
/// <item>anything else, a section outside the BUNDLE group, or a section with nothing acceptable: port 0.</item>
/// </list>
/// The answer receives only (recvonly or inactive). The result also says what was agreed, per mid.
/// </summary>
internal static class PublisherAnswerBuilder
{
    private const string RtpProfile = "UDP/TLS/RTP/SAVPF";

    public static bool TryBuild(SessionDescription offer, SdpTransport transport, PublisherAnswerOptions options,
        out SessionDescription answer, out PublisherNegotiation negotiation, out SdpError error)
    {
        answer = new SessionDescription();
        negotiation = new PublisherNegotiation([], []);
        var bundle = offer.BundleMids;
        if (offer.Media.Count == 0 || bundle.Count == 0)
        {
            error = new SdpError(SdpErrorKind.NotAnOffer, 0, "an offer with m= sections and a BUNDLE group (RFC 8843) is needed");
            return false;
        }

        var mids = offer.Media.Where(m => m.Mid is not null).Select(m => m.Mid!).ToList();
        if (mids.Distinct(StringComparer.Ordinal).Count() != mids.Count)
        {
            error = new SdpError(SdpErrorKind.NotAnOffer, 0, "two m= sections share a mid (RFC 5888 §4: identification-tags are unique)");
            return false;
        }

        answer.SessionId = (options.SessionId ?? RandomSessionId()).ToString(CultureInfo.InvariantCulture);
        answer.SessionVersion = 2;
        answer.IceLite = true;
        answer.ExtmapAllowMixed = offer.ExtmapAllowMixed;

        var bundleSet = bundle.ToHashSet(StringComparer.Ordinal);
        var accepted = new List<NegotiatedMedia>();
        var rejected = new List<string>();
        foreach (var offered in offer.Media)
        {
            NegotiatedMedia? result = null;
            MediaDescription section;
            bool bundled = offered.Mid is not null && bundleSet.Contains(offered.Mid) && !offered.IsRejected;
            if (bundled && offered.Kind is "audio" or "video" && offered.Proto == RtpProfile)
                (section, result) = AnswerRtp(offered, options);
            else if (bundled && offered.Kind == "application" && offered.Proto.EndsWith("DTLS/SCTP", StringComparison.Ordinal) && offered.Formats.Contains("webrtc-datachannel"))
                (section, result) = AnswerData(offered, options);
            else
                section = Reject(offered);

            if (result is null)
            {
                if (offered.Mid is not null) rejected.Add(offered.Mid);
                answer.Media.Add(section.Port == 0 ? section : Reject(offered));
                continue;
            }
            accepted.Add(result);
            answer.Media.Add(section);
        }

        // RFC 8843 §7.3.1: the answer's BUNDLE group holds the accepted mids, in the offer's group order; the
        // first one is the answerer's tag and carries the candidates.
        var acceptedMids = accepted.Select(a => a.Mid).ToHashSet(StringComparer.Ordinal);
        var bundleMids = bundle.Where(acceptedMids.Remove).ToList();
        if (bundleMids.Count > 0)
        {
            answer.Groups.Add(new SdpGroup("BUNDLE", bundleMids));
            foreach (var media in answer.Media.Where(m => m.Port != 0))
                transport.ApplyTo(media, withCandidates: media.Mid == bundleMids[0]);
        }
        negotiation = new PublisherNegotiation(accepted, rejected);
        error = SdpError.None;
        return true;
    }

    private static (MediaDescription, NegotiatedMedia?) AnswerRtp(MediaDescription offered, PublisherAnswerOptions options)
    {
        var chosen = offered.Kind == "audio" ? ChooseAudio(offered, options) : ChooseVideo(offered, options);
        if (chosen.Count == 0) return (Reject(offered), null);

        var media = NewSection(offered, offered.Proto);
        media.Direction = SdpEnums.ReceiveSide(offered.Direction);
        media.RtcpMux = true;
        media.RtcpRsize = offered.RtcpRsize;
        foreach (var ext in offered.ExtMaps.Where(e => options.ExtensionUris.Contains(e.Uri)))
            media.ExtMaps.Add(new SdpExtMap(ext.Id, ext.Uri));
        media.ExtmapAllowMixed = offered.ExtmapAllowMixed;
        media.WildcardFeedback.AddRange(offered.WildcardFeedback.Where(options.Feedback.Contains));

        var codecs = new List<NegotiatedCodec>();
        foreach (var (codec, rtx) in chosen)
        {
            var answered = codec.Clone(codec.Feedback.Where(options.Feedback.Contains));
            if (codec.Is("opus") && codec.FmtpParameter("useinbandfec") is null)
                answered.Fmtp = string.IsNullOrEmpty(codec.Fmtp) ? "useinbandfec=1" : codec.Fmtp + ";useinbandfec=1";
            AddCodec(media, answered);
            if (rtx is not null) AddCodec(media, rtx.Clone([]));
            codecs.Add(new NegotiatedCodec(answered.PayloadType, answered.Name, answered.ClockRate, answered.Channels, answered.Fmtp, rtx?.PayloadType, answered.Feedback));
        }

        var rids = new List<string>();
        if (offered.Simulcast is { Send.Count: > 0 } simulcast)
        {
            // RFC 8853 §5.3: the answerer reverses the direction; rids it does not receive are left out (§5.3.2).
            var streams = new List<List<SdpSimulcastRid>>();
            var sent = offered.Rids.Where(d => d.IsSend).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            var answered = new HashSet<string>(StringComparer.Ordinal);
            foreach (var alternatives in simulcast.Send)
            {
                var known = alternatives.Where(r => sent.Contains(r.Rid) && !answered.Contains(r.Rid)).ToList();
                if (known.Count == 0) continue;
                streams.Add(known);
                foreach (var rid in known)
                {
                    if (!answered.Add(rid.Rid)) continue;
                    media.Rids.Add(new SdpRid(rid.Rid, "recv"));
                    rids.Add(rid.Rid);
                }
            }
            if (streams.Count > 0) media.Simulcast = new SdpSimulcast([], streams);
        }

        var msid = offered.Msids.FirstOrDefault() ?? MsidFromSsrc(offered);
        var extensionIds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var ext in media.ExtMaps) extensionIds.TryAdd(ext.Uri, ext.Id);
        var result = new NegotiatedMedia(offered.Mid!, offered.Kind, media.Direction, codecs, rids, extensionIds,
            SsrcsOf(offered), msid?.StreamId, msid?.TrackId, null);
        return (media, result);
    }

    private static (MediaDescription, NegotiatedMedia?) AnswerData(MediaDescription offered, PublisherAnswerOptions options)
    {
        var media = NewSection(offered, offered.Proto);
        media.Formats.Add("webrtc-datachannel");
        media.SctpPort = options.SctpPort;
        media.MaxMessageSize = options.MaxMessageSize;
        var result = new NegotiatedMedia(offered.Mid!, offered.Kind, SdpDirection.None, [], [],
            new Dictionary<string, int>(), [], null, null, options.SctpPort);
        return (media, result);
    }

    /// <summary>Opus, preceded by RED when enabled and offered as redundancy over that Opus payload type.</summary>
    private static List<(SdpCodec Codec, SdpCodec? Rtx)> ChooseAudio(MediaDescription offered, PublisherAnswerOptions options)
    {
        var opus = offered.Codecs.FirstOrDefault(c => c.Is("opus") && c.ClockRate == 48000);
        if (opus is null) return [];
        var chosen = new List<(SdpCodec, SdpCodec?)>();
        string opusPt = opus.PayloadType.ToString(CultureInfo.InvariantCulture);
        var red = offered.Codecs.FirstOrDefault(c => c.Is("red") && c.ClockRate == 48000 && c.Fmtp is { } f &&
            f.Split('/').All(p => p.Trim() == opusPt));
        if (options.AcceptOpusRed && red is not null) chosen.Add((red, null));
        chosen.Add((opus, null));
        return chosen;
    }

    /// <summary>The first offered codec of each preferred name (H.264 only with packetization-mode=1, RFC 6184 §8.1), with its RTX.</summary>
    private static List<(SdpCodec Codec, SdpCodec? Rtx)> ChooseVideo(MediaDescription offered, PublisherAnswerOptions options)
    {
        var chosen = new List<(SdpCodec, SdpCodec?)>();
        foreach (var name in options.VideoCodecs)
        {
            var candidates = offered.Codecs.Where(c => c.Is(name) && c.ClockRate == 90000).ToList();
            if (name.Equals("H264", StringComparison.OrdinalIgnoreCase))
            {
                candidates = candidates.Where(c => c.FmtpParameter("packetization-mode") == "1")
                    .OrderBy(c => H264Rank(c.FmtpParameter("profile-level-id"))).ToList();
            }
            if (candidates.FirstOrDefault() is { } codec) chosen.Add((codec, offered.FindRtxFor(codec.PayloadType)));
        }
        return chosen;
    }

    /// <summary>Constrained Baseline (42e0xx) first, then Baseline (4200xx), then anything else.</summary>
    private static int H264Rank(string? profileLevelId) => profileLevelId?.ToLowerInvariant() switch
    {
        { } p when p.StartsWith("42e0", StringComparison.Ordinal) => 0,
        { } p when p.StartsWith("4200", StringComparison.Ordinal) => 1,
        _ => 2,
    };

    private static void AddCodec(MediaDescription media, SdpCodec codec)
    {
        media.Formats.Add(codec.PayloadType.ToString(CultureInfo.InvariantCulture));
        media.Codecs.Add(codec);
    }

    private static MediaDescription NewSection(MediaDescription offered, string proto) => new()
    {
        Kind = offered.Kind,
        Port = 9,          // RFC 8829 §5.3.1: the dummy port; ICE candidates carry the real ones
        Proto = proto,
        Connection = "IN IP4 0.0.0.0",
        Mid = offered.Mid,
    };

    /// <summary>RFC 3264 §6 / RFC 8829 §5.3.1: port 0, the offer's formats kept, the mid kept.</summary>
    private static MediaDescription Reject(MediaDescription offered)
    {
        var media = new MediaDescription { Kind = offered.Kind, Port = 0, Proto = offered.Proto, Connection = "IN IP4 0.0.0.0", Mid = offered.Mid };
        if (offered.Formats.Count > 0) media.Formats.Add(offered.Formats[0]);
        else media.Formats.Add("0");
        if (offered.Kind is "audio" or "video") media.Direction = SdpDirection.Inactive;
        return media;
    }

    /// <summary>RFC 5576 §4.2: a=ssrc-group:FID primary rtx pairs; ungrouped SSRCs stand alone.</summary>
    private static List<NegotiatedSsrc> SsrcsOf(MediaDescription offered)
    {
        var result = new List<NegotiatedSsrc>();
        var seen = new HashSet<uint>();   // primaries and repair SSRCs already reported
        foreach (var group in offered.SsrcGroups.Where(g => g.Semantics == "FID" && g.Ssrcs.Count >= 2))
        {
            if (seen.Contains(group.Ssrcs[0])) continue;
            result.Add(new NegotiatedSsrc(group.Ssrcs[0], group.Ssrcs[1]));
            seen.Add(group.Ssrcs[0]);
            seen.Add(group.Ssrcs[1]);
        }
        foreach (var line in offered.Ssrcs)
        {
            if (seen.Add(line.Ssrc)) result.Add(new NegotiatedSsrc(line.Ssrc, null));
        }
        return result;
    }

    /// <summary>Older offers carry the msid only as a=ssrc:&lt;ssrc&gt; msid:&lt;stream&gt; &lt;track&gt; (RFC 5576 §6.1).</summary>
    private static SdpMsid? MsidFromSsrc(MediaDescription offered)
    {
        var value = offered.Ssrcs.FirstOrDefault(s => s.Attribute == "msid")?.Value;
        if (value is null) return null;
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 0 ? null : new SdpMsid(parts[0], parts.Length > 1 ? parts[1] : null);
    }

    private static ulong RandomSessionId() => BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) >> 2;
}
