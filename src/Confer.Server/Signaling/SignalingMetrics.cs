using System.Collections.Frozen;
using System.Text;
using Confer.Signaling;
using Confer.Signaling.Events;
using Confer.Signaling.Protocol;
using Prometheus;

namespace Confer.Server.Signaling;

/// <summary>
/// Signaling metrics on <c>/metrics</c>, in the host's own registry (<see cref="Hosting.MetricsRegistry"/>).
/// The room and participant gauges are read from the room manager when scraped (<see cref="SetRoomCounts"/>), so they
/// cannot drift when the room-event queue overflows; joins and resumes follow room events; frames in and out are
/// counted at the connection, by type; the join time at <c>/rtc</c>. Every update is an interlocked add.
/// </summary>
public sealed class SignalingMetrics : IRoomEventObserver, ISignalingCounters
{
    private static readonly string[] KnownTypes =
    [
        ClientTypes.Offer, ClientTypes.Answer, ClientTypes.Candidate, ClientTypes.PublishTrack, ClientTypes.UnpublishTrack,
        ClientTypes.MuteTrack, ClientTypes.Data, ClientTypes.Chat, ClientTypes.UpdateMetadata, ClientTypes.Leave, ClientTypes.Ping,
        ClientTypes.MediaPath, ClientTypes.PublisherOffer, ClientTypes.SubscriberAnswer, ClientTypes.UpdateSubscription, "unknown", "invalid",
    ];

    /// <summary>The server's message types (docs/protocol.md), as the body of a frame starts: <c>{"type":"join"</c>.</summary>
    private static readonly string[] OutTypes =
    [
        "join", "resumed", "participantJoined", "participantLeft", "participantUpdated", "trackPublished", "trackUnpublished",
        "trackMuted", "offer", "answer", "candidate", "data", "chat", "pong", "error", "leave", "publisherAnswer", "subscriberOffer",
    ];

    private static readonly byte[] TypePrefix = "{\"type\":\""u8.ToArray();

    private readonly Gauge _rooms, _participants;
    private readonly Counter _joins, _resumes, _eventsDropped;
    private readonly Counter.Child _unknownIn, _otherOut;
    private readonly FrozenDictionary<string, Counter.Child> _messagesIn;
    private readonly FrozenDictionary<string, Counter.Child> _mediaPaths;
    private readonly (byte[] Type, Counter.Child Counter)[] _messagesOut;
    private readonly Histogram _joinSeconds;

    public SignalingMetrics(IMetricFactory factory)
    {
        _rooms = factory.CreateGauge("confer_signaling_rooms", "Rooms open now (read from the room manager when scraped).");
        _participants = factory.CreateGauge("confer_signaling_participants", "Participants in rooms now, those within their resume grace included (read when scraped).");
        _joins = factory.CreateCounter("confer_signaling_joins_total", "Participants that joined a room.");
        _resumes = factory.CreateCounter("confer_signaling_resumes_total", "Sessions resumed on a new connection.");
        var messagesIn = factory.CreateCounter("confer_signaling_messages_in_total", "Client frames received, by type.", ["type"]);
        _messagesIn = KnownTypes.ToFrozenDictionary(t => t, t => messagesIn.WithLabels(t), StringComparer.Ordinal);
        _unknownIn = _messagesIn["unknown"];
        var messagesOut = factory.CreateCounter("confer_signaling_messages_out_total", "Frames written to clients, by type.", ["type"]);
        _messagesOut = [.. OutTypes.Select(t => (Encoding.UTF8.GetBytes(t + "\""), messagesOut.WithLabels(t)))];
        _otherOut = messagesOut.WithLabels("other");
        var mediaPaths = factory.CreateCounter("confer_media_paths_total", "Media paths browsers reported between two participants (mediaPath frames), by path: direct-udp, direct-tcp, relay-udp, relay-tcp, relay-tls, peer-relay, sfu-udp, sfu-tcp, sfu-turn.", ["path"]);
        _mediaPaths = MediaPaths.All.ToFrozenDictionary(p => p, p => mediaPaths.WithLabels(p), StringComparer.Ordinal);
        _eventsDropped = factory.CreateCounter("confer_signaling_events_dropped_total", "Room events dropped because the observer queue was full.");
        _joinSeconds = factory.CreateHistogram("confer_signaling_join_seconds", "Time from a /rtc request arriving to its join frame queued.",
            new HistogramConfiguration { Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
    }

    public void OnEvent(RoomEvent e)
    {
        switch (e)
        {
            case ParticipantJoined: _joins.Inc(); break;
            case ParticipantResumed: _resumes.Inc(); break;
            case MediaPathReported m: (_mediaPaths.GetValueOrDefault(m.Path) ?? _mediaPaths[MediaPaths.DirectUdp]).Inc(); break;
        }
    }

    /// <summary>The room manager's exact counts, set just before a scrape is written.</summary>
    public void SetRoomCounts(int rooms, int participants)
    {
        _rooms.Set(rooms);
        _participants.Set(participants);
    }

    public void MessageIn(string type) => (_messagesIn.GetValueOrDefault(type) ?? _unknownIn).Inc();

    public void MessageOut() => _otherOut.Inc();

    /// <summary>Counts a frame by the type its body starts with; no allocation (a short scan of the known types).</summary>
    public void MessageOut(ReadOnlySpan<byte> body)
    {
        if (body.StartsWith(TypePrefix))
        {
            var rest = body[TypePrefix.Length..];
            foreach (var (type, counter) in _messagesOut)
            {
                if (!rest.StartsWith(type)) continue;
                counter.Inc();
                return;
            }
        }
        _otherOut.Inc();
    }

    public void EventDropped() => _eventsDropped.Inc();

    /// <summary>A join's frame was queued <paramref name="elapsed"/> after its request arrived.</summary>
    public void Joined(TimeSpan elapsed) => _joinSeconds.Observe(elapsed.TotalSeconds);
}
