using System.Globalization;
using System.Net;
using System.Text;
using Confer.Sfu.Dtls;
using Confer.Sfu.Ice;
using Confer.Sfu.Sdp;

namespace Confer.Bench.Sfu.Rtc;

/// <summary>
/// The SDP the load client writes, as a browser would (RFC 8829 JSEP, RFC 8843 BUNDLE, RFC 8853 simulcast), and what it
/// reads back from a server's: ICE credentials, fingerprint, the UDP candidate and the header extension ids. The client
/// is always the DTLS client (a=setup:active), so one handshake code serves both servers.
/// </summary>
internal static class SdpText
{
    public const string MidUri = "urn:ietf:params:rtp-hdrext:sdes:mid";
    public const string RidUri = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
    public const string AudioLevelUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
    public const string TransportCcUri = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

    /// <summary>
    /// A publisher's offer: Opus in mid 0, VP8 simulcast q;h;f (lowest first) in mid 1, each naming its msid stream;
    /// transport-cc as browsers offer it (a server stamps its own transport-wide numbers on what it forwards only when the
    /// publisher's packets carry them).
    /// </summary>
    public static string PublisherOffer(MediaPeer peer, SyntheticPublisher source, string audioStream, string videoStream)
    {
        var s = Session(["0", "1"]);
        Section(s, "audio", "0", peer, "sendonly");
        s.Append("a=extmap:1 ").Append(AudioLevelUri).Append("\r\na=extmap:3 ").Append(TransportCcUri).Append("\r\na=extmap:4 ").Append(MidUri).Append("\r\n");
        s.Append(CultureInfo.InvariantCulture, $"a=msid:{audioStream} {audioStream}-a\r\na=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n");
        s.Append(CultureInfo.InvariantCulture, $"a=ssrc:{source.AudioSsrc} cname:bench\r\na=ssrc:{source.AudioSsrc} msid:{audioStream} {audioStream}-a\r\n");
        Section(s, "video", "1", peer, "sendonly");
        s.Append("a=extmap:3 ").Append(TransportCcUri).Append("\r\na=extmap:4 ").Append(MidUri).Append("\r\na=extmap:10 ").Append(RidUri).Append("\r\n");
        s.Append(CultureInfo.InvariantCulture, $"a=msid:{videoStream} {videoStream}-v\r\na=rtpmap:96 VP8/90000\r\n");
        s.Append("a=rtcp-fb:96 transport-cc\r\na=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n");
        foreach (var layer in SyntheticPublisher.Layers) s.Append("a=rid:").Append(layer.Rid).Append(" send\r\n");
        s.Append("a=simulcast:send ").AppendJoin(';', SyntheticPublisher.Layers.Select(l => l.Rid)).Append("\r\n");
        return s.ToString();
    }

    /// <summary>
    /// The answer to a server's subscriber offer: every audio and video section accepted recvonly with its first Opus or
    /// VP8 payload type, the mid and transport-cc extensions kept when offered; anything else refused (port 0).
    /// </summary>
    public static string SubscriberAnswer(SessionDescription offer, MediaPeer peer)
    {
        var accepted = offer.Media.Where(Acceptable).Select(m => m.Mid!).ToList();
        var s = Session(accepted);
        foreach (var m in offer.Media)
        {
            if (!Acceptable(m))
            {
                s.Append(CultureInfo.InvariantCulture, $"m={m.Kind} 0 {m.Proto} {(m.Formats.Count > 0 ? m.Formats[0] : "0")}\r\nc=IN IP4 0.0.0.0\r\n");
                if (m.Mid is not null) s.Append("a=mid:").Append(m.Mid).Append("\r\n");
                s.Append("a=inactive\r\n");
                continue;
            }
            var codec = Codec(m)!;
            Section(s, m.Kind, m.Mid!, peer, "recvonly", codec.PayloadType);
            foreach (var ext in m.ExtMaps.Where(e => e.Uri is MidUri or TransportCcUri))
                s.Append(CultureInfo.InvariantCulture, $"a=extmap:{ext.Id} {ext.Uri}\r\n");
            s.Append(CultureInfo.InvariantCulture, $"a=rtpmap:{codec.PayloadType} {codec.Name}/{codec.ClockRate}{(codec.Channels > 1 ? "/" + codec.Channels : "")}\r\n");
            if (codec.Fmtp is { } fmtp) s.Append(CultureInfo.InvariantCulture, $"a=fmtp:{codec.PayloadType} {fmtp}\r\n");
            foreach (var fb in codec.Feedback.Where(f => f is "transport-cc" or "nack" or "nack pli" or "ccm fir"))
                s.Append(CultureInfo.InvariantCulture, $"a=rtcp-fb:{codec.PayloadType} {fb}\r\n");
        }
        return s.ToString();
    }

    private static bool Acceptable(MediaDescription m) =>
        m.Port != 0 && m.Mid is not null && m.Kind is "audio" or "video" && m.Direction is SdpDirection.SendOnly or SdpDirection.SendRecv && Codec(m) is not null;

    private static SdpCodec? Codec(MediaDescription m) =>
        m.Codecs.FirstOrDefault(c => c.Is(m.Kind == "audio" ? "opus" : "VP8"));

    private static StringBuilder Session(IReadOnlyCollection<string> bundle)
    {
        var s = new StringBuilder(4096);
        s.Append(CultureInfo.InvariantCulture, $"v=0\r\no=- {Random.Shared.NextInt64(1, long.MaxValue)} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
        s.Append("a=group:BUNDLE ").AppendJoin(' ', bundle).Append("\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS\r\n");
        return s;
    }

    private static void Section(StringBuilder s, string kind, string mid, MediaPeer peer, string direction, int payloadType = -1)
    {
        int pt = payloadType >= 0 ? payloadType : kind == "audio" ? 111 : 96;
        s.Append(CultureInfo.InvariantCulture, $"m={kind} 9 UDP/TLS/RTP/SAVPF {pt}\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n");
        s.Append(peer.CandidateLine).Append("\r\na=end-of-candidates\r\n");
        s.Append(CultureInfo.InvariantCulture, $"a=ice-ufrag:{peer.Local.Ufrag}\r\na=ice-pwd:{peer.Local.Password}\r\n");
        s.Append("a=fingerprint:").Append(peer.Fingerprint).Append("\r\na=setup:active\r\n");
        s.Append(CultureInfo.InvariantCulture, $"a=mid:{mid}\r\na={direction}\r\na=rtcp-mux\r\na=rtcp-rsize\r\n");
    }

    public static SessionDescription Parse(string sdp) =>
        SdpParser.TryParse(sdp, out var parsed, out var error) ? parsed : throw new InvalidOperationException($"the server's SDP does not parse: {error}");

    /// <summary>Points the peer at the server: ICE credentials and fingerprint of the first bundled section, its first UDP IPv4 candidate.</summary>
    public static void ApplyRemote(SessionDescription remote, MediaPeer peer)
    {
        var first = remote.Media.First(m => m.Port != 0);
        string ufrag = first.IceUfrag ?? remote.IceUfrag ?? throw new InvalidOperationException("no ice-ufrag");
        string pwd = first.IcePwd ?? remote.IcePwd ?? throw new InvalidOperationException("no ice-pwd");
        var fingerprint = first.Fingerprints.Count > 0 ? first.Fingerprints[0] : remote.Fingerprints[0];
        var candidate = remote.Media.SelectMany(m => m.Candidates)
            .Select(line => IceCandidate.TryParse(line, out var c) ? c : null)
            .FirstOrDefault(c => c is { Protocol: IceProtocol.Udp } && IPAddress.TryParse(c.Address, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? throw new InvalidOperationException("the server's SDP has no UDP IPv4 candidate");
        peer.SetRemote(ufrag, pwd, DtlsFingerprint.Parse($"{fingerprint.Algorithm} {fingerprint.Value}"), new IPEndPoint(IPAddress.Parse(candidate.Address), candidate.Port));
    }

    /// <summary>A publisher's answer from either server: where to send, and the header extension ids to write.</summary>
    public static void ApplyPublisherAnswer(SessionDescription answer, MediaPeer peer, SyntheticPublisher source)
    {
        ApplyRemote(answer, peer);
        source.MidId = ExtensionId(answer, "1", MidUri);
        source.RidId = ExtensionId(answer, "1", RidUri);
        source.AudioLevelId = ExtensionId(answer, "0", AudioLevelUri);
        source.TransportCcId = ExtensionId(answer, "1", TransportCcUri);
    }

    /// <summary>The id the answer gave an extension URI in the section with <paramref name="mid"/> (0: not negotiated).</summary>
    public static byte ExtensionId(SessionDescription answer, string mid, string uri) =>
        (byte)(answer.FindMid(mid)?.ExtMaps.FirstOrDefault(e => e.Uri == uri)?.Id ?? 0);
}
