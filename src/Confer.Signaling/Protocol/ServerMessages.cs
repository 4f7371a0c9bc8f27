using System.Text.Json.Serialization;

namespace Confer.Signaling.Protocol;

/// <summary>
/// A server → client message body. The <c>type</c> discriminator is written first; <see cref="Frame"/>
/// prepends <c>"v"</c> and <c>"id"</c>. See docs/protocol.md for every field.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(JoinMessage), "join")]
[JsonDerivedType(typeof(ResumedMessage), "resumed")]
[JsonDerivedType(typeof(ParticipantJoinedMessage), "participantJoined")]
[JsonDerivedType(typeof(ParticipantLeftMessage), "participantLeft")]
[JsonDerivedType(typeof(ParticipantUpdatedMessage), "participantUpdated")]
[JsonDerivedType(typeof(TrackPublishedMessage), "trackPublished")]
[JsonDerivedType(typeof(TrackUnpublishedMessage), "trackUnpublished")]
[JsonDerivedType(typeof(TrackMutedMessage), "trackMuted")]
[JsonDerivedType(typeof(OfferMessage), "offer")]
[JsonDerivedType(typeof(AnswerMessage), "answer")]
[JsonDerivedType(typeof(CandidateMessage), "candidate")]
[JsonDerivedType(typeof(DataMessage), "data")]
[JsonDerivedType(typeof(ChatMessage), "chat")]
[JsonDerivedType(typeof(PongMessage), "pong")]
[JsonDerivedType(typeof(ErrorMessage), "error")]
[JsonDerivedType(typeof(LeaveMessage), "leave")]
[JsonDerivedType(typeof(ReconnectMessage), "reconnect")]
[JsonDerivedType(typeof(PublisherAnswerMessage), "publisherAnswer")]
[JsonDerivedType(typeof(SubscriberOfferMessage), "subscriberOffer")]
[JsonDerivedType(typeof(TopologyMessage), "topology")]
[JsonDerivedType(typeof(LobbyMessage), "lobby")]
[JsonDerivedType(typeof(UnmuteRequestMessage), "unmuteRequest")]
[JsonDerivedType(typeof(RoomUpdatedMessage), "roomUpdated")]
[JsonDerivedType(typeof(SpeakersChangedMessage), "speakersChanged")]
[JsonDerivedType(typeof(PublishedLayersMessage), "publishedLayers")]
[JsonDerivedType(typeof(SessionMessage), "session")]
public abstract record ServerMessage;

public sealed record JoinMessage(
    int Protocol, string ServerVersion, RoomInfo Room, ParticipantInfo Participant,
    IReadOnlyList<ParticipantInfo> OtherParticipants, IReadOnlyList<IceServer> IceServers,
    string ResumeToken, int PingInterval, int PingTimeout) : ServerMessage
{
    /// <summary><c>mesh</c> or <c>sfu</c>, for protocol-2 clients only (absent for protocol 1, which is always mesh).</summary>
    public string? Topology { get; init; }
}

public sealed record ResumedMessage(
    RoomInfo Room, ParticipantInfo Participant, IReadOnlyList<ParticipantInfo> OtherParticipants,
    IReadOnlyList<IceServer> IceServers, string ResumeToken, int Replayed, bool Complete,
    int PingInterval, int PingTimeout) : ServerMessage
{
    /// <summary>The room's topology now, for protocol-2 clients only (as in <see cref="JoinMessage.Topology"/>).</summary>
    public string? Topology { get; init; }

    /// <summary>
    /// True when the session was made again from its sealed resume token on a node that did not know it (the room's node
    /// died): same sids, but no tracks and no media connections; the client publishes again. Absent otherwise.
    /// </summary>
    public bool? Rebuilt { get; init; }
}

/// <summary>A fresh resume token for this session (its sealed state changed, or the old one ages); id 0, never replayed.</summary>
public sealed record SessionMessage(string ResumeToken) : ServerMessage;

public sealed record ParticipantJoinedMessage(ParticipantInfo Participant) : ServerMessage;
public sealed record ParticipantLeftMessage(string Sid, string Identity, string Reason) : ServerMessage;
public sealed record ParticipantUpdatedMessage(ParticipantInfo Participant) : ServerMessage;

public sealed record TrackPublishedMessage(string ParticipantSid, TrackInfo Track) : ServerMessage;
public sealed record TrackUnpublishedMessage(string ParticipantSid, string TrackSid) : ServerMessage;
public sealed record TrackMutedMessage(string ParticipantSid, string TrackSid, bool Muted) : ServerMessage;

public sealed record OfferMessage(string From, string FromIdentity, string Sdp) : ServerMessage;

/// <summary>
/// A room with <c>auto</c> topology moved its media (protocol 2): to <c>sfu</c> when it reached <c>Signaling:SfuFrom</c> people,
/// back to <c>mesh</c> when it stayed below that. <paramref name="Participants"/> is how many were in the room then.
/// </summary>
public sealed record TopologyMessage(string Topology, int Participants) : ServerMessage;

/// <summary>To hosts: the guests waiting in the lobby now, in the order they came (sent whenever it changes).</summary>
public sealed record LobbyMessage(IReadOnlyList<LobbyGuestInfo> Waiting) : ServerMessage;

/// <summary>To a participant: a host asks them to turn on their microphone (or camera); only they can.</summary>
public sealed record UnmuteRequestMessage(string From, string FromIdentity, string? TrackSid) : ServerMessage;

/// <summary>The room's settings changed (a host locked or unlocked it).</summary>
public sealed record RoomUpdatedMessage(RoomInfo Room) : ServerMessage;

/// <summary>The SFU's answer to the publisher connection's offer (protocol 2).</summary>
public sealed record PublisherAnswerMessage(string Sdp) : ServerMessage;

/// <summary>The SFU's offer for the subscriber connection, and which mid carries which track (protocol 2).</summary>
public sealed record SubscriberOfferMessage(string Sdp, IReadOnlyList<SubscribedTrackInfo> Tracks) : ServerMessage;

/// <summary>The SFU's active speakers, loudest first (protocol 2, SFU rooms; empty when nobody speaks).</summary>
public sealed record SpeakersChangedMessage(IReadOnlyList<SpeakerInfo> Speakers) : ServerMessage;

/// <summary>An active speaker: the participant's sid and loudness, 0 to 1.</summary>
public sealed record SpeakerInfo(string Sid, double Level);

/// <summary>To a publisher (dynacast): which simulcast layers of its track to send; the others nobody watches.</summary>
public sealed record PublishedLayersMessage(string TrackSid, IReadOnlyList<LayerInfo> Layers) : ServerMessage;

/// <summary>One simulcast layer, by rid, and whether to send it.</summary>
public sealed record LayerInfo(string Rid, bool Active);

/// <summary>One sending section of a subscriber offer.</summary>
public sealed record SubscribedTrackInfo(string Mid, string TrackSid, string ParticipantSid);
public sealed record AnswerMessage(string From, string FromIdentity, string Sdp) : ServerMessage;
public sealed record CandidateMessage(string From, string FromIdentity, IceCandidate? Candidate) : ServerMessage;

public sealed record DataMessage(
    string? From, string? FromIdentity, string Payload, string Encoding, string? Topic, bool Reliable) : ServerMessage;

public sealed record ChatMessage(
    string MessageId, string From, string FromIdentity, string? FromName, string Text, long Timestamp) : ServerMessage;

public sealed record PongMessage(long Timestamp, long ServerTime) : ServerMessage;
public sealed record ErrorMessage(string Code, string Message, long? Re) : ServerMessage;
public sealed record LeaveMessage(string Reason, string? Message) : ServerMessage;

/// <summary>
/// The server is going away (restart, drain): join again, here once it is back or elsewhere, after about
/// <paramref name="Delay"/> milliseconds (docs/protocol.md, "reconnect"). Sent just before close 1012.
/// </summary>
public sealed record ReconnectMessage(string Reason, string? Message, int Delay) : ServerMessage
{
    /// <summary>True when the client should resume its session (through any node) rather than join afresh; absent otherwise.</summary>
    public bool? Resume { get; init; }
}
