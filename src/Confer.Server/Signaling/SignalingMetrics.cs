using System.Collections.Frozen;
using Confer.Signaling;
using Confer.Signaling.Events;
using Confer.Signaling.Protocol;
using Prometheus;

namespace Confer.Server.Signaling;

/// <summary>
/// Signaling metrics on <c>/metrics</c> (prometheus-net's default registry, beside the TURN meters).
/// Room and participant gauges and the join and resume counters follow room events (so they count what
/// rooms did, in the order they did it); frames in and out are counted at the connection, the join time
/// at <c>/rtc</c>. Every update is an interlocked add: nothing here blocks a room or a connection.
/// </summary>
public sealed class SignalingMetrics : IRoomEventObserver, ISignalingCounters
{
    private static readonly string[] KnownTypes =
    [
        ClientTypes.Offer, ClientTypes.Answer, ClientTypes.Candidate, ClientTypes.PublishTrack, ClientTypes.UnpublishTrack,
        ClientTypes.MuteTrack, ClientTypes.Data, ClientTypes.Chat, ClientTypes.UpdateMetadata, ClientTypes.Leave, ClientTypes.Ping,
        "unknown", "invalid",
    ];

    private readonly Gauge _rooms, _participants;
    private readonly Counter _joins, _resumes, _messagesOut, _eventsDropped;
    private readonly Counter.Child _unknownIn;
    private readonly FrozenDictionary<string, Counter.Child> _messagesIn;
    private readonly Histogram _joinSeconds;

    public SignalingMetrics() : this(Metrics.DefaultFactory) { }

    public SignalingMetrics(IMetricFactory factory)
    {
        _rooms = factory.CreateGauge("confer_signaling_rooms", "Rooms open now.");
        _participants = factory.CreateGauge("confer_signaling_participants", "Participants in rooms now (those within their resume grace included).");
        _joins = factory.CreateCounter("confer_signaling_joins_total", "Participants that joined a room.");
        _resumes = factory.CreateCounter("confer_signaling_resumes_total", "Sessions resumed on a new connection.");
        var messagesIn = factory.CreateCounter("confer_signaling_messages_in_total", "Client frames received, by type.", ["type"]);
        _messagesIn = KnownTypes.ToFrozenDictionary(t => t, t => messagesIn.WithLabels(t), StringComparer.Ordinal);
        _unknownIn = _messagesIn["unknown"];
        _messagesOut = factory.CreateCounter("confer_signaling_messages_out_total", "Frames written to clients.");
        _eventsDropped = factory.CreateCounter("confer_signaling_events_dropped_total", "Room events dropped because the observer queue was full.");
        _joinSeconds = factory.CreateHistogram("confer_signaling_join_seconds", "Time from a /rtc request arriving to its join frame queued.",
            new HistogramConfiguration { Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
    }

    public void OnEvent(RoomEvent e)
    {
        switch (e)
        {
            case RoomStarted: _rooms.Inc(); break;
            case RoomFinished: _rooms.Dec(); break;
            case ParticipantJoined: _participants.Inc(); _joins.Inc(); break;
            case ParticipantLeft: _participants.Dec(); break;
            case ParticipantResumed: _resumes.Inc(); break;
        }
    }

    public void MessageIn(string type) => (_messagesIn.GetValueOrDefault(type) ?? _unknownIn).Inc();
    public void MessageOut() => _messagesOut.Inc();
    public void EventDropped() => _eventsDropped.Inc();

    /// <summary>A join's frame was queued <paramref name="elapsed"/> after its request arrived.</summary>
    public void Joined(TimeSpan elapsed) => _joinSeconds.Observe(elapsed.TotalSeconds);
}
