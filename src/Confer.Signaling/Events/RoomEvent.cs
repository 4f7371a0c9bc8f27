using Confer.Signaling.Rooms;

namespace Confer.Signaling.Events;

/// <summary>
/// Something that happened in a room, as the room saw it: raised under the room's lock (so one room's
/// events are in the order its participants saw them) and delivered later, outside it, by
/// <see cref="RoomEventQueue"/>. Small values only — ids, names, a time from the room's
/// <see cref="TimeProvider"/> — so an event can be logged, counted, or posted to a webhook as it is.
/// </summary>
public abstract record RoomEvent(RoomName Room, RoomSid RoomSid, DateTimeOffset At);

/// <summary>A room came into being (by a first join or the server API), with its settings (for webhooks).</summary>
public sealed record RoomStarted(RoomName Room, RoomSid RoomSid, DateTimeOffset At,
    TimeSpan EmptyTimeout = default, int MaxParticipants = 0, string? Metadata = null) : RoomEvent(Room, RoomSid, At);

/// <summary>A room ended: empty past its timeout, deleted, or the server shut down.</summary>
public sealed record RoomFinished(RoomName Room, RoomSid RoomSid, DateTimeOffset At) : RoomEvent(Room, RoomSid, At);

/// <summary>A participant joined (hidden ones too: other participants are not told, observers are).</summary>
public sealed record ParticipantJoined(RoomName Room, RoomSid RoomSid, DateTimeOffset At,
    ParticipantSid Participant, ParticipantIdentity Identity, bool Hidden,
    string? Name = null, string? Metadata = null) : RoomEvent(Room, RoomSid, At);

/// <summary>A participant came back on a new connection within its grace period (same sid, frames replayed).</summary>
public sealed record ParticipantResumed(RoomName Room, RoomSid RoomSid, DateTimeOffset At,
    ParticipantSid Participant, ParticipantIdentity Identity, int Replayed, bool Complete) : RoomEvent(Room, RoomSid, At);

/// <summary>A participant left the room for good; <see cref="Reason"/> is a <c>participantLeft.reason</c> value.</summary>
public sealed record ParticipantLeft(RoomName Room, RoomSid RoomSid, DateTimeOffset At,
    ParticipantSid Participant, ParticipantIdentity Identity, string Reason) : RoomEvent(Room, RoomSid, At);

/// <summary>A participant's name or metadata changed.</summary>
public sealed record ParticipantUpdated(RoomName Room, RoomSid RoomSid, DateTimeOffset At,
    ParticipantSid Participant, ParticipantIdentity Identity, string? Name, string? Metadata) : RoomEvent(Room, RoomSid, At);

/// <summary>A participant announced a track.</summary>
public sealed record TrackPublished(RoomName Room, RoomSid RoomSid, DateTimeOffset At,
    ParticipantSid Participant, TrackSid Track, string Kind, string Source,
    string? Name = null, bool Muted = false, int? Width = null, int? Height = null) : RoomEvent(Room, RoomSid, At);

/// <summary>
/// A participant's browser reported the path its media takes to another participant (<see cref="Protocol.MediaPaths"/>),
/// for the operator's log and metrics: who is relayed, and over what.
/// </summary>
public sealed record MediaPathReported(RoomName Room, RoomSid RoomSid, DateTimeOffset At,
    ParticipantIdentity Identity, ParticipantIdentity Peer, string Path) : RoomEvent(Room, RoomSid, At);

/// <summary>A track was withdrawn by its publisher.</summary>
public sealed record TrackUnpublished(RoomName Room, RoomSid RoomSid, DateTimeOffset At,
    ParticipantSid Participant, TrackSid Track) : RoomEvent(Room, RoomSid, At);

/// <summary>A track was muted or unmuted (by its publisher or the server API).</summary>
public sealed record TrackMuted(RoomName Room, RoomSid RoomSid, DateTimeOffset At,
    ParticipantSid Participant, TrackSid Track, bool Muted) : RoomEvent(Room, RoomSid, At);
