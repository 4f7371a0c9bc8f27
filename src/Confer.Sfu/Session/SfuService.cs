using System.Collections.Concurrent;
using System.Net;
using Confer.Sfu.Dtls;
using Confer.Sfu.Sdp;
using Microsoft.Extensions.Logging;

namespace Confer.Sfu.Session;

/// <summary>
/// A published track as the SFU is told of it: its sid is the msid stream id of its publisher's m= section, or the
/// section is the one whose mid is <paramref name="Mid"/> when that is set (WHIP: the server names the tracks, not the SDP).
/// </summary>
public sealed record SfuTrack(string TrackSid, string Publisher, string Kind, string Source, string? Mid = null);

/// <summary>An SDP the SFU made, or a sentence saying why it could not.</summary>
public sealed record SfuAnswer(string? Sdp, string? Error);

/// <summary>One sending section of a subscriber offer.</summary>
public sealed record SfuOfferTrack(string Mid, string TrackSid, string Publisher);

/// <summary>A subscriber offer and which mid carries which track.</summary>
public sealed record SfuOffer(string Sdp, IReadOnlyList<SfuOfferTrack> Tracks);

/// <summary>An active speaker of a room: the participant and its loudness, 0 (quiet) to 1 (loudest).</summary>
public sealed record SfuSpeaker(string Participant, double Level);

/// <summary>One simulcast layer of a published track, by rid, and whether its publisher should send it.</summary>
public sealed record SfuLayer(string Rid, bool Active);

/// <summary>Which simulcast layers of a published track its publisher should send (dynacast).</summary>
public sealed record SfuPublishedLayers(string Room, string Participant, string TrackSid, IReadOnlyList<SfuLayer> Layers);

/// <summary>Where clients reach the SFU: the host candidates put in every answer and offer (RFC 8839 §5.1).</summary>
public sealed class SfuServiceOptions
{
    /// <summary>UDP endpoints of the media port (the STUN/TURN port), as clients should dial them.</summary>
    public Func<IReadOnlyList<IPEndPoint>> UdpCandidates { get; set; } = () => [];

    /// <summary>
    /// TCP endpoints where ICE-TCP is served (RFC 6544, passive: the HTTPS port), as clients should dial them; written as
    /// "tcptype passive" host candidates with a lower priority than every UDP one.
    /// </summary>
    public Func<IReadOnlyList<IPEndPoint>> TcpCandidates { get; set; } = () => [];
}

/// <summary>
/// The SFU as signaling sees it: per room and participant, the publisher connection (the browser offers, the SFU
/// answers) and the subscriber connection (the SFU offers what the participant receives). It ties the SDP layer
/// (<see cref="PublisherAnswerBuilder"/>, <see cref="SubscriberOfferBuilder"/>), the secure transports
/// (<see cref="SfuTransports"/>) and each room's forwarding graph together. Every call answers at once and never
/// blocks on the network; calls for one room are serialized by that room's lock here.
/// </summary>
public sealed partial class SfuService : IDisposable
{
    private readonly SfuTransports _transports;
    private readonly SfuServiceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _logs;
    private readonly ConcurrentDictionary<string, SfuRoomState> _rooms = new(StringComparer.Ordinal);
    private readonly Lock _roomsGate = new();

    internal SfuService(SfuTransports transports, SfuServiceOptions options, TimeProvider time, ILoggerFactory logs)
    {
        _transports = transports;
        _options = options;
        _time = time;
        _logs = logs;
    }

    /// <summary>
    /// A room's loudest voices changed (RFC 6464 audio levels, loudest first): raised on the room's timer, with no lock of
    /// the SFU held.
    /// </summary>
    public event Action<string, IReadOnlyList<SfuSpeaker>>? SpeakersChanged;

    /// <summary>Dynacast: which simulcast layers a publisher should send changed. Raised on the room's timer, no SFU lock held.</summary>
    public event Action<SfuPublishedLayers>? PublishedLayersChanged;

    /// <summary>
    /// A participant's media lapsed: one of its transports lost ICE consent (RFC 7675) and no new nomination came within
    /// the lapse delay, so the SFU released everything it held for it (both transports, its producers, its consumers and
    /// the others' consumers of its tracks), as <see cref="Remove"/> does. Raised on a timer thread, no SFU lock held.
    /// </summary>
    public event Action<string, string>? MediaLapsed;

    /// <summary>The room's state, made once: a second one would own a router and a timer nobody disposes.</summary>
    private SfuRoomState RoomState(string room)
    {
        if (_rooms.TryGetValue(room, out var state)) return state;
        lock (_roomsGate)
        {
            if (_rooms.TryGetValue(room, out state)) return state;
            state = new SfuRoomState(room, _time, _logs);
            state.RaiseTo(this);
            _rooms[room] = state;
            return state;
        }
    }

    internal void RaiseSpeakers(string room, IReadOnlyList<ActiveSpeaker> speakers) =>
        SpeakersChanged?.Invoke(room, [.. speakers.Select(s => new SfuSpeaker(s.ParticipantId, Math.Clamp(s.Loudness / 127, 0, 1)))]);

    internal void RaisePublishedLayers(string room, PublishedLayers change)
    {
        var producer = change.Producer;
        if (producer.TrackSid is not { } trackSid) return;
        var layers = producer.Layers.Select(l => new SfuLayer(l.Rid ?? "", l.Spatial <= change.ActiveUpTo)).ToList();
        PublishedLayersChanged?.Invoke(new SfuPublishedLayers(room, producer.ParticipantId, trackSid, layers));
    }

    internal void OnTransportLapsed(SfuRoomState state, string participant, MediaTransport transport)
    {
        lock (state.Gate)
        {
            // Only a transport the participant still has: one it replaced, or a participant already removed, is old news.
            if (state.Existing(participant) is not { } peer || !peer.Owns(transport)) return;
            state.Remove(participant);
            if (state.IsEmpty && _rooms.TryRemove(new KeyValuePair<string, SfuRoomState>(state.Name, state))) state.Dispose();
        }
        MediaLapsed?.Invoke(state.Name, participant);
    }

    /// <summary>What a room's forwarding graph holds now; zeros for a room the SFU does not hold.</summary>
    internal (int Publishers, int Subscribers, int Producers, int Consumers) RouterCounts(string room) =>
        _rooms.TryGetValue(room, out var state) ? state.RouterCounts : default;

    /// <summary>Rooms with at least one participant on the SFU.</summary>
    public int RoomCount => _rooms.Count;

    /// <summary>Media transports held now (each owns its ICE session, DTLS and SRTP contexts): zero once every call ended.</summary>
    public int TransportCount => _transports.Count;

    /// <summary>Answers a publisher offer; tracks whose sid is no section's msid are simply not forwarded.</summary>
    public SfuAnswer Publish(string room, string participant, string offerSdp, IReadOnlyList<SfuTrack> tracks)
    {
        var state = RoomState(room);
        lock (state.Gate) return state.Peer(participant, _transports, _options).Publish(offerSdp, tracks);
    }

    /// <summary>Makes <paramref name="tracks"/> what the participant receives; the new offer, or null when nothing changed.</summary>
    public SfuOffer? Subscribe(string room, string participant, IReadOnlyList<SfuTrack> tracks)
    {
        var state = RoomState(room);
        lock (state.Gate) return state.Peer(participant, _transports, _options).Subscribe(tracks);
    }

    /// <summary>ICE restart of the participant's subscriber connection: the offer with fresh credentials, or null when it has none.</summary>
    public SfuOffer? RestartSubscriberIce(string room, string participant)
    {
        if (!_rooms.TryGetValue(room, out var state)) return null;
        lock (state.Gate) return state.Existing(participant)?.RestartSubscriberIce();
    }

    /// <summary>Applies the browser's answer to the last subscriber offer; an error sentence when it does not fit.</summary>
    public string? SubscriberAnswer(string room, string participant, string answerSdp)
    {
        if (!_rooms.TryGetValue(room, out var state)) return "no subscriber offer was made";
        // Not ?.…?? : a peer's null (the answer applied) must stay null.
        lock (state.Gate) return state.Existing(participant) is { } peer ? peer.SubscriberAnswer(answerSdp) : "no subscriber offer was made";
    }

    /// <summary>The size the subscriber's app shows a track at (0×0: hidden); picks the layer it gets.</summary>
    public void SetVisibleSize(string room, string participant, string trackSid, int width, int height)
    {
        if (!_rooms.TryGetValue(room, out var state)) return;
        lock (state.Gate) state.Existing(participant)?.SetVisibleSize(trackSid, width, height);
    }

    /// <summary>The participant left: its transports, producers and consumers go; an empty room goes too.</summary>
    public void Remove(string room, string participant)
    {
        if (!_rooms.TryGetValue(room, out var state)) return;
        lock (state.Gate)
        {
            state.Remove(participant);
            if (state.IsEmpty && _rooms.TryRemove(new KeyValuePair<string, SfuRoomState>(room, state))) state.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var state in _rooms.Values)
            lock (state.Gate) state.Dispose();
        _rooms.Clear();
    }

    /// <summary>The SDP form of a transport's certificate fingerprint ("sha-256 AB:…") as the SDP model holds it.</summary>
    internal static SdpFingerprint SdpFingerprintOf(string fingerprint)
    {
        int space = fingerprint.IndexOf(' ', StringComparison.Ordinal);
        return new SdpFingerprint(fingerprint[..space], fingerprint[(space + 1)..]);
    }

    /// <summary>The client's DTLS fingerprint from its SDP (media level first, then session level).</summary>
    internal static DtlsFingerprint? RemoteFingerprint(SessionDescription sdp)
    {
        foreach (var f in sdp.Media.SelectMany(m => m.Fingerprints).Concat(sdp.Fingerprints))
            if (DtlsFingerprint.TryParse($"{f.Algorithm} {f.Value}", out var parsed, out _)) return parsed;
        return null;
    }

    internal static string? RemoteUfrag(SessionDescription sdp) =>
        sdp.Media.Select(m => m.IceUfrag).FirstOrDefault(u => !string.IsNullOrEmpty(u)) ?? sdp.IceUfrag;

    internal static IReadOnlyList<string> Candidates(SfuServiceOptions options)
    {
        var list = new List<string>();
        int foundation = 1;
        foreach (var endpoint in options.UdpCandidates()) list.Add(SdpTransport.HostCandidate(foundation++, endpoint));
        // RFC 6544 §4.2: local preference 2^13 × direction preference (passive: 4) + other preference, under UDP's 65535.
        int index = 0;
        foreach (var endpoint in options.TcpCandidates())
            list.Add(SdpTransport.HostCandidate(foundation++, endpoint, tcp: true, localPreference: (Ice.IceCandidate.PassiveDirectionPreference << 13) + 8191 - index++));
        return list;
    }
}
