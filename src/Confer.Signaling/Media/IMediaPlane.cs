using Confer.Signaling.Rooms;

namespace Confer.Signaling.Media;

/// <summary>A participant as the media plane knows it: by room and sid.</summary>
public readonly record struct MediaParticipant(RoomName Room, ParticipantSid Participant);

/// <summary>
/// A published track, as a room tells the media plane of it: its sid is the msid stream id in the SDP, or, when
/// <paramref name="Mid"/> is set (a WHIP encoder, whose msid can be anything), the track is the m= section with that mid.
/// </summary>
public sealed record MediaTrack(string TrackSid, ParticipantSid Publisher, string Kind, string Source, string? Mid = null);

/// <summary>An SDP the media plane made, or why it could not (a sentence for the <c>error</c> frame).</summary>
public sealed record MediaAnswer(string? Sdp, string? Error)
{
    public static MediaAnswer Refused(string error) => new(null, error);
}

/// <summary>A subscriber offer: the SDP, and which mid carries which track.</summary>
public sealed record MediaOffer(string Sdp, IReadOnlyList<MediaOfferTrack> Tracks);

/// <summary>One sending section of a subscriber offer.</summary>
public sealed record MediaOfferTrack(string Mid, string TrackSid, string ParticipantSid);

/// <summary>An active speaker the media plane heard: the participant and its loudness, 0 (quiet) to 1 (loudest).</summary>
public readonly record struct MediaSpeaker(ParticipantSid Participant, double Level);

/// <summary>One simulcast layer of a published track, by rid, and whether its publisher should send it.</summary>
public readonly record struct MediaLayer(string Rid, bool Active);

/// <summary>
/// What the media plane tells rooms of on its own, from the media path. Raised on the plane's timers with none of its
/// locks held, so the room may take its own lock (and call the plane) while handling it.
/// </summary>
public interface IMediaEvents
{
    /// <summary>The room's active speakers changed (loudest first; empty when nobody speaks).</summary>
    void SpeakersChanged(RoomName room, IReadOnlyList<MediaSpeaker> speakers);

    /// <summary>Dynacast: which simulcast layers of <paramref name="trackSid"/> its publisher should send changed.</summary>
    void PublishedLayersChanged(MediaParticipant publisher, string trackSid, IReadOnlyList<MediaLayer> layers);

    /// <summary>
    /// The participant's media connections lost ICE consent (RFC 7675) and stayed lost: the plane has already released
    /// everything it held for them, as <see cref="IMediaPlane.Remove"/> does.
    /// </summary>
    void MediaLapsed(MediaParticipant who) { }
}

/// <summary>
/// The SFU as rooms see it (docs/protocol.md, "Through Confer's SFU"): the room owns who publishes what and who may
/// see it, and asks the media plane for the SDP of each participant's two peer connections. The room calls these
/// under its lock, so an implementation answers at once, never blocks, and never calls back into a room; what
/// happens later on the media path it keeps to itself, except what <see cref="IMediaEvents"/> reports. Null when the server has no SFU:
/// every room is then a mesh.
/// </summary>
public interface IMediaPlane
{
    /// <summary>
    /// Answers the publisher connection's offer. <paramref name="published"/> are the participant's tracks (the room
    /// has already held the SDP to its grants): a sending section whose msid names none of them is refused.
    /// </summary>
    MediaAnswer Publish(MediaParticipant who, string offerSdp, IReadOnlyList<MediaTrack> published);

    /// <summary>
    /// Makes <paramref name="tracks"/> exactly what the participant receives. Returns the subscriber offer to send
    /// when that changed what its connection carries, else null.
    /// </summary>
    MediaOffer? Subscribe(MediaParticipant who, IReadOnlyList<MediaTrack> tracks);

    /// <summary>The browser's answer to the last subscriber offer; an error when it does not fit that offer.</summary>
    MediaAnswer SubscriberAnswer(MediaParticipant who, string answerSdp);

    /// <summary>
    /// The size at which the participant's app shows <paramref name="trackSid"/> (adaptive stream), or 0×0 when it is
    /// not shown: the plane picks a simulcast layer from it and from the participant's downlink.
    /// </summary>
    void SetVisibleSize(MediaParticipant who, string trackSid, int width, int height);

    /// <summary>
    /// ICE restart of the participant's subscriber connection (RFC 8445 §9; the <c>restartIce</c> frame): the subscriber
    /// offer with fresh ICE credentials for the same tracks, or null when it has no subscriber connection.
    /// </summary>
    MediaOffer? RestartSubscriberIce(MediaParticipant who) => null;

    /// <summary>The participant left the room: its connections, tracks and down-tracks go. Idempotent.</summary>
    void Remove(MediaParticipant who);

    /// <summary>Where the plane reports what it notices on its own (speakers, dynacast); set once, by the rooms' manager.</summary>
    void Observe(IMediaEvents events) { }
}
