using Confer.Sfu.Sdp;

namespace Confer.Sfu.Session;

/// <summary>
/// One participant on the SFU: its publisher connection (transport, producers by track sid) and its subscriber
/// connection (transport, offer builder, consumers by track sid). Owned by its <see cref="SfuRoomState"/> and used
/// under that room's lock only.
/// </summary>
internal sealed class SfuPeer(SfuRoomState room, string id, SfuTransports transports, SfuServiceOptions options) : IDisposable
{
    private readonly Dictionary<string, Producer> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Consumer> _consumers = new(StringComparer.Ordinal);
    private MediaTransport? _publisher;
    private MediaTransport? _subscriber;
    private SubscriberOfferBuilder? _offers;
    private string _offered = "";

    public string Id => id;

    public IReadOnlyDictionary<string, Producer> Producers => _producers;

    public SfuAnswer Publish(string offerSdp, IReadOnlyList<SfuTrack> tracks)
    {
        if (!SdpParser.TryParse(offerSdp, out var offer, out var parseError)) return new(null, $"the offer is not usable SDP: {parseError}");
        if (SfuService.RemoteFingerprint(offer) is not { } fingerprint) return new(null, "the offer has no usable a=fingerprint (RFC 8122)");
        if (_publisher is null)
        {
            if (!transports.TryCreate(fingerprint, SfuService.RemoteUfrag(offer), out var created)) return new(null, "the SFU is full: no more media transports");
            _publisher = created;
            _publisher.Lapsed += OnLapsed;
            _publisher.Receiver = room.AddPublisher(id, _publisher);
        }
        else if (SfuService.RemoteUfrag(offer) is { } ufrag && _publisher.IceSession.RemoteUfrag is { } known && ufrag != known
            && !_publisher.RestartIce(ufrag))
        {
            // RFC 8839 §4.4.1.1.1: a new ice-ufrag in an offer is an ICE restart; DTLS and SRTP are kept (RFC 8445 §9).
            return new(null, "the SFU is full: no ICE session for the restart");
        }
        var transport = new SdpTransport(_publisher.IceUfrag, _publisher.IcePwd, SfuService.SdpFingerprintOf(_publisher.Fingerprint), SfuService.Candidates(options));
        if (!PublisherAnswerBuilder.TryBuild(offer, transport, PublisherAnswerOptions.Default, out var answer, out var negotiation, out var error))
            return new(null, error.ToString());

        var wanted = tracks.Where(t => t.Publisher == id).ToDictionary(t => t.TrackSid, StringComparer.Ordinal);
        var byMid = tracks.Where(t => t.Publisher == id && t.Mid is not null).ToDictionary(t => t.Mid!, t => t.TrackSid, StringComparer.Ordinal);
        var sending = new HashSet<string>(StringComparer.Ordinal);
        foreach (var media in negotiation.Media)
        {
            // A track named by mid (WHIP) is that section's, whatever its msid says; otherwise the msid stream id names it.
            var trackSid = byMid.GetValueOrDefault(media.Mid) ?? media.StreamId;
            if (media.Kind is not ("audio" or "video") || trackSid is null || !wanted.TryGetValue(trackSid, out var track)) continue;
            if (track.Mid is not null && track.Mid != media.Mid) continue;
            if (media.Direction is not (SdpDirection.RecvOnly or SdpDirection.SendRecv)) continue;
            sending.Add(trackSid);
            if (!_producers.ContainsKey(trackSid)) _producers[trackSid] = room.AddProducer(id, trackSid, media);
        }
        foreach (var gone in _producers.Keys.Where(k => !sending.Contains(k)).ToList())
        {
            room.RemoveProducer(_producers[gone]);
            _producers.Remove(gone);
        }
        return new(SdpWriter.Write(answer), null);
    }

    public SfuOffer? Subscribe(IReadOnlyList<SfuTrack> tracks)
    {
        var available = tracks.Where(t => t.Publisher != id && room.FindProducer(t.TrackSid) is not null).ToList();
        string key = string.Join(",", available.Select(t => t.TrackSid).Order(StringComparer.Ordinal));
        if (key == _offered && (_subscriber is not null || available.Count == 0)) return null;
        if (_subscriber is null)
        {
            if (!transports.TryCreate(null, null, out var created)) return null;
            _subscriber = created;
            _subscriber.Lapsed += OnLapsed;
            _subscriber.Receiver = room.AddSubscriber(id, _subscriber);
            var transport = new SdpTransport(_subscriber.IceUfrag, _subscriber.IcePwd, SfuService.SdpFingerprintOf(_subscriber.Fingerprint), SfuService.Candidates(options));
            _offers = new SubscriberOfferBuilder(transport, SubscriberOfferOptions.Default);
        }

        var keep = available.Select(t => t.TrackSid).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _consumers.Keys.Where(k => !keep.Contains(k)).ToList())
        {
            room.Unsubscribe(_consumers[gone]);
            _consumers.Remove(gone);
        }
        var downTracks = new List<DownTrack>(available.Count);
        var publishers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var track in available)
        {
            if (!_consumers.TryGetValue(track.TrackSid, out var consumer))
                _consumers[track.TrackSid] = consumer = room.Subscribe(id, room.FindProducer(track.TrackSid)!);
            downTracks.Add(SfuRoomState.Describe(consumer, track.TrackSid, track.Publisher));
            publishers[track.TrackSid] = track.Publisher;
        }
        var offer = _offers!.CreateOffer(downTracks);
        _offered = key;
        var list = offer.MidByTrack.Select(kv => new SfuOfferTrack(kv.Value, kv.Key, publishers.GetValueOrDefault(kv.Key) ?? "")).ToList();
        return new SfuOffer(offer.Text, list);
    }

    /// <summary>
    /// ICE restart of the subscriber connection (RFC 8445 §9), on the client's request: fresh server credentials and an
    /// offer for the same tracks carrying them. Null when there is no subscriber connection yet, or no room for a session.
    /// </summary>
    public SfuOffer? RestartSubscriberIce()
    {
        if (_subscriber is null || _offers is null || !_subscriber.RestartIce(remoteUfrag: null)) return null;
        _offers.Transport = new SdpTransport(_subscriber.IceUfrag, _subscriber.IcePwd, SfuService.SdpFingerprintOf(_subscriber.Fingerprint), SfuService.Candidates(options));
        var downTracks = new List<DownTrack>(_consumers.Count);
        var publishers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (trackSid, consumer) in _consumers)
        {
            string publisher = room.FindProducer(trackSid)?.ParticipantId ?? "";
            downTracks.Add(SfuRoomState.Describe(consumer, trackSid, publisher));
            publishers[trackSid] = publisher;
        }
        var offer = _offers.CreateOffer(downTracks);
        var list = offer.MidByTrack.Select(kv => new SfuOfferTrack(kv.Value, kv.Key, publishers.GetValueOrDefault(kv.Key) ?? "")).ToList();
        return new SfuOffer(offer.Text, list);
    }

    public string? SubscriberAnswer(string answerSdp)
    {
        if (_offers is null || _subscriber is null) return "no subscriber offer was made";
        if (!SdpParser.TryParse(answerSdp, out var answer, out var parseError)) return $"the answer is not usable SDP: {parseError}";
        if (!_offers.TryApplyAnswer(answer, out var result, out var error)) return error.ToString();
        if (!Dtls.DtlsFingerprint.TryParse($"{result.Fingerprint.Algorithm} {result.Fingerprint.Value}", out var fingerprint, out _))
            return "the answer's a=fingerprint is not usable (RFC 8122)";
        _subscriber.SetRemoteFingerprint(fingerprint);
        _subscriber.IceSession.RemoteUfrag ??= result.IceUfrag;
        return null;
    }

    public void SetVisibleSize(string trackSid, int width, int height)
    {
        if (_consumers.TryGetValue(trackSid, out var consumer)) room.SetVisibleSize(consumer, width, height);
    }

    /// <summary>One of this participant's transports closed itself for lost consent (RFC 7675): the room releases its media.</summary>
    private void OnLapsed(MediaTransport transport) => room.OnTransportLapsed(id, transport);

    /// <summary>True when <paramref name="transport"/> is this participant's publisher or subscriber connection.</summary>
    public bool Owns(MediaTransport transport) => ReferenceEquals(transport, _publisher) || ReferenceEquals(transport, _subscriber);

    /// <summary>Drops the consumers of a producer that went away (its publisher left or stopped sending it).</summary>
    public void ForgetProducer(string trackSid) => _consumers.Remove(trackSid);

    public void Dispose()
    {
        _producers.Clear();
        _consumers.Clear();
        _publisher?.Dispose();
        _subscriber?.Dispose();
        _publisher = _subscriber = null;
    }
}
