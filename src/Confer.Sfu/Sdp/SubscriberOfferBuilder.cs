using System.Globalization;
using System.Security.Cryptography;

namespace Confer.Sfu.Sdp;

/// <summary>
/// Builds the SFU's offers on a subscriber peer connection (the SFU offers, the browser answers: RFC 8829 §5.2),
/// one sendonly m= section per down-track, all in one BUNDLE group, and checks the answers. State across
/// renegotiation follows JSEP:
/// <list type="bullet">
/// <item>a track keeps its m= section and mid for as long as it is offered (RFC 8829 §5.2.2);</item>
/// <item>a removed track's section is offered with port 0 (stopped, RFC 8829 §5.2.2) and leaves the BUNDLE group
/// (RFC 8843 §7.5.3);</item>
/// <item>once an answer has completed that exchange, the section may be recycled for a new track, of either kind,
/// with a new mid never used before (RFC 8829 §5.2.2).</item>
/// </list>
/// One instance per subscriber peer connection; not thread-safe (the participant's signaling loop owns it).
/// </summary>
internal sealed class SubscriberOfferBuilder(SdpTransport transport, SubscriberOfferOptions options)
{
    private enum SlotState { Active, Stopping, Recyclable }

    private sealed class Slot
    {
        public required string Mid;
        public required string Kind;
        public DownTrack? Track;
        public NegotiatedCodec? LastCodec;
        public SlotState State;
    }

    private readonly List<Slot> _slots = [];
    private SdpTransport _transport = transport;
    private readonly string _sessionId = (options.SessionId ?? BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) >> 2).ToString(CultureInfo.InvariantCulture);
    private ulong _version = 1;
    private int _nextMid;
    private SessionDescription? _pendingOffer;

    /// <summary>The transport attributes offers carry; an ICE restart (RFC 8445 §9) sets new credentials for the next offer.</summary>
    public SdpTransport Transport
    {
        get => _transport;
        set => _transport = value;
    }

    /// <summary>The last offer, until an answer to it is applied.</summary>
    public SessionDescription? PendingOffer => _pendingOffer;

    /// <summary>An offer for exactly <paramref name="tracks"/> (by <see cref="DownTrack.TrackId"/>), keeping every mid already used.</summary>
    public SubscriberOffer CreateOffer(IReadOnlyList<DownTrack> tracks)
    {
        if (options.IncludeDataChannel && _slots.Count == 0)
            _slots.Add(new Slot { Mid = NewMid(), Kind = "application", State = SlotState.Active });

        var wanted = new Dictionary<string, DownTrack>(StringComparer.Ordinal);
        foreach (var track in tracks)
        {
            if (track.Kind is not ("audio" or "video"))
                throw new ArgumentException($"Down-track {track.TrackId} has kind '{track.Kind}'; only audio and video can be offered.", nameof(tracks));
            wanted.TryAdd(track.TrackId, track);
        }

        foreach (var slot in _slots.Where(s => s.Kind != "application" && s.State == SlotState.Active))
        {
            if (slot.Track is not null && wanted.Remove(slot.Track.TrackId, out var current) && current.Kind == slot.Kind)
            {
                slot.Track = current;
                slot.LastCodec = current.Codec;
                continue;
            }
            slot.State = SlotState.Stopping;   // gone (or changed kind): port 0 in this offer
            slot.Track = null;
        }
        foreach (var track in tracks.Where(t => wanted.ContainsKey(t.TrackId)))
        {
            wanted.Remove(track.TrackId);
            var slot = _slots.FirstOrDefault(s => s.State == SlotState.Recyclable);
            if (slot is null)
            {
                slot = new Slot { Mid = NewMid(), Kind = track.Kind };
                _slots.Add(slot);
            }
            else
            {
                slot.Mid = NewMid();     // RFC 8829 §5.2.2: a recycled section gets a new mid
                slot.Kind = track.Kind;
            }
            slot.Track = track;
            slot.LastCodec = track.Codec;
            slot.State = SlotState.Active;
        }

        var offer = new SessionDescription
        {
            SessionId = _sessionId,
            SessionVersion = _version++,
            IceLite = true,
            MsidSemantic = " WMS",
        };
        var bundle = new List<string>();
        var mids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var slot in _slots)
        {
            var media = slot.State != SlotState.Active ? Stopped(slot)
                : slot.Kind == "application" ? DataChannel(slot.Mid)
                : Sending(slot.Mid, slot.Track!);
            if (slot.State == SlotState.Active)
            {
                _transport.ApplyTo(media, withCandidates: bundle.Count == 0);
                bundle.Add(slot.Mid);
                if (slot.Track is not null) mids[slot.Track.TrackId] = slot.Mid;
            }
            offer.Media.Add(media);
        }
        if (bundle.Count > 0) offer.Groups.Add(new SdpGroup("BUNDLE", bundle));
        _pendingOffer = offer;
        return new SubscriberOffer(offer, mids);
    }

    /// <summary>
    /// Checks the browser's answer against the last offer (RFC 8829 §5.3.1, §5.8): the same m= sections in the same
    /// order with the same mids, ICE credentials, a DTLS fingerprint, and a=setup:active (the SFU is passive,
    /// RFC 8842 §5.3). Completes the exchange: stopped sections become recyclable.
    /// </summary>
    public bool TryApplyAnswer(SessionDescription answer, out SubscriberAnswer result, out SdpError error)
    {
        result = new SubscriberAnswer("", "", default, SdpSetup.None, [], [], []);
        var offer = _pendingOffer;
        if (offer is null)
        {
            error = new SdpError(SdpErrorKind.NotAnAnswer, 0, "no offer is waiting for an answer");
            return false;
        }
        if (!SubscriberAnswerReader.TryRead(offer, answer, out result, out error)) return false;
        foreach (var slot in _slots.Where(s => s.State == SlotState.Stopping)) slot.State = SlotState.Recyclable;
        _pendingOffer = null;
        return true;
    }

    private string NewMid() => (_nextMid++).ToString(CultureInfo.InvariantCulture);

    private MediaDescription Sending(string mid, DownTrack track)
    {
        var media = NewSection(track.Kind, 9, mid);
        media.Direction = SdpDirection.SendOnly;
        media.Msids.Add(new SdpMsid(track.StreamId, track.TrackId));
        media.RtcpMux = true;
        media.RtcpRsize = true;
        media.ExtMaps.AddRange(track.Kind == "audio" ? options.AudioExtensions : options.VideoExtensions);
        AddCodec(media, track.Codec, withRtx: track.RtxSsrc is not null);
        if (track.RtxSsrc is { } rtx) media.SsrcGroups.Add(new SdpSsrcGroup("FID", [track.Ssrc, rtx]));
        foreach (uint ssrc in track.RtxSsrc is { } r ? new[] { track.Ssrc, r } : [track.Ssrc])
        {
            media.Ssrcs.Add(new SdpSsrc(ssrc, "cname", track.Cname));
            media.Ssrcs.Add(new SdpSsrc(ssrc, "msid", $"{track.StreamId} {track.TrackId}"));
        }
        return media;
    }

    private MediaDescription DataChannel(string mid)
    {
        var media = NewSection("application", 9, mid, "UDP/DTLS/SCTP");
        media.Formats.Add("webrtc-datachannel");
        media.SctpPort = options.SctpPort;
        media.MaxMessageSize = options.MaxMessageSize;
        return media;
    }

    /// <summary>RFC 8829 §5.2.2: a stopped transceiver's section has port 0 and no transport attributes.</summary>
    private static MediaDescription Stopped(Slot slot)
    {
        var media = NewSection(slot.Kind, 0, slot.Mid);
        media.Direction = SdpDirection.Inactive;
        media.RtcpMux = true;
        if (slot.LastCodec is { } codec) AddCodec(media, codec, withRtx: false);
        else media.Formats.Add("0");
        return media;
    }

    private static void AddCodec(MediaDescription media, NegotiatedCodec codec, bool withRtx)
    {
        var main = new SdpCodec { PayloadType = codec.PayloadType, Name = codec.Name, ClockRate = codec.ClockRate, Channels = codec.Channels, Fmtp = codec.Fmtp, HasRtpMap = true };
        main.Feedback.AddRange(codec.Feedback);
        media.Codecs.Add(main);
        media.Formats.Add(codec.PayloadType.ToString(CultureInfo.InvariantCulture));
        if (withRtx && codec.RtxPayloadType is { } rtxPt)
        {
            media.Codecs.Add(new SdpCodec
            {
                PayloadType = rtxPt, Name = "rtx", ClockRate = codec.ClockRate, HasRtpMap = true,
                Fmtp = "apt=" + codec.PayloadType.ToString(CultureInfo.InvariantCulture),
            });
            media.Formats.Add(rtxPt.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static MediaDescription NewSection(string kind, int port, string mid, string proto = "UDP/TLS/RTP/SAVPF") =>
        new() { Kind = kind, Port = port, Proto = proto, Connection = "IN IP4 0.0.0.0", Mid = mid };
}
