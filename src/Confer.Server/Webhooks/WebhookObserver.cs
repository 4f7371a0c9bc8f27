using System.Security.Cryptography;
using Confer.Signaling.Events;
using Confer.Signaling.Protocol;

namespace Confer.Server.Webhooks;

/// <summary>
/// Turns room events into webhook events and hands them to the <see cref="WebhookDispatcher"/>, which only queues
/// them: nothing here waits for a receiver. Room events carry ids, not whole rooms, so this keeps a small picture
/// of each room it has heard start (its settings, participants and their tracks) to fill the <c>room</c> and
/// <c>participant</c> objects a LiveKit receiver expects. It runs on <see cref="RoomEventQueue"/>'s one thread,
/// so that picture needs no lock; a room's picture is forgotten when the room finishes.
/// </summary>
internal sealed class WebhookObserver(WebhookDispatcher dispatcher) : IRoomEventObserver
{
    private readonly Dictionary<string, RoomState> _rooms = new(StringComparer.Ordinal);

    /// <summary>Rooms whose picture is kept now (tests check it returns to zero).</summary>
    internal int RoomsTracked => _rooms.Count;

    public void OnEvent(RoomEvent e)
    {
        if (!dispatcher.Enabled) return;
        switch (e)
        {
            case RoomStarted s:
                var room = new RoomState(s);
                _rooms[s.RoomSid.Value] = room;
                Post("room_started", e, room.ToInfo(), null, null);
                break;
            case RoomFinished:
                if (_rooms.Remove(e.RoomSid.Value, out var finished)) Post("room_finished", e, finished.ToInfo(), null, null);
                break;
            case ParticipantJoined j when Room(e) is { } r:
                var p = new ParticipantState(j);
                r.Participants[j.Participant.Value] = p;
                Post("participant_joined", e, r.ToInfo(), p.ToInfo("ACTIVE", null), null);
                break;
            case ParticipantLeft l when Room(e) is { } r:
                if (r.Participants.Remove(l.Participant.Value, out var left))
                    Post("participant_left", e, r.ToInfo(), left.ToInfo("DISCONNECTED", DisconnectReason(l.Reason)), null);
                break;
            case ParticipantUpdated u when Room(e) is { } r && r.Participants.TryGetValue(u.Participant.Value, out var updated):
                updated.Name = u.Name;
                updated.Metadata = u.Metadata;
                break;
            case TrackPublished t when Room(e) is { } r && r.Participants.TryGetValue(t.Participant.Value, out var publisher):
                var track = new WebhookTrack(t.Track.Value, t.Kind == "audio" ? "AUDIO" : "VIDEO", t.Name, t.Muted,
                    (uint)Math.Max(0, t.Width ?? 0), (uint)Math.Max(0, t.Height ?? 0), t.Source.ToUpperInvariant());
                publisher.Tracks[t.Track.Value] = track;
                Post("track_published", e, r.ToInfo(), publisher.ToInfo("ACTIVE", null), track);
                break;
            case TrackUnpublished t when Room(e) is { } r && r.Participants.TryGetValue(t.Participant.Value, out var owner):
                if (owner.Tracks.Remove(t.Track.Value, out var gone))
                    Post("track_unpublished", e, r.ToInfo(), owner.ToInfo("ACTIVE", null), gone);
                break;
            case TrackMuted m when Room(e) is { } r && r.Participants.TryGetValue(m.Participant.Value, out var muter)
                                   && muter.Tracks.TryGetValue(m.Track.Value, out var muted):
                muter.Tracks[m.Track.Value] = muted with { Muted = m.Muted };
                break;
        }
    }

    private RoomState? Room(RoomEvent e) => _rooms.GetValueOrDefault(e.RoomSid.Value);

    private void Post(string name, RoomEvent e, WebhookRoom room, WebhookParticipant? participant, WebhookTrack? track) =>
        dispatcher.Enqueue(e.Room.Value, new WebhookEvent(name, room, participant, track, NewId(), e.At.ToUnixTimeSeconds()));

    /// <summary>A unique event id, <c>EV_</c> and 16 random base-62 characters (LiveKit's ids look the same).</summary>
    private static string NewId() => "EV_" + RandomNumberGenerator.GetString("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 16);

    /// <summary>Confer's <c>participantLeft.reason</c> as LiveKit's DisconnectReason enum name.</summary>
    internal static string DisconnectReason(string reason) => reason switch
    {
        LeaveReasons.Left => "CLIENT_INITIATED",
        LeaveReasons.Replaced => "DUPLICATE_IDENTITY",
        LeaveReasons.Removed or LeaveReasons.Kicked => "PARTICIPANT_REMOVED",
        LeaveReasons.RoomDeleted => "ROOM_DELETED",
        LeaveReasons.PingTimeout => "CONNECTION_TIMEOUT",
        LeaveReasons.Disconnected => "SIGNAL_CLOSE",
        _ => "UNKNOWN_REASON",
    };

    private sealed class RoomState(RoomStarted started)
    {
        public Dictionary<string, ParticipantState> Participants { get; } = new(StringComparer.Ordinal);

        public WebhookRoom ToInfo() => new(started.RoomSid.Value, started.Room.Value,
            (uint)Math.Max(0, started.EmptyTimeout.TotalSeconds), (uint)Math.Max(0, started.MaxParticipants),
            started.At.ToUnixTimeSeconds(), started.At.ToUnixTimeMilliseconds(), started.Metadata,
            (uint)Participants.Count, (uint)Participants.Values.Count(p => p.Tracks.Count > 0));
    }

    private sealed class ParticipantState(ParticipantJoined joined)
    {
        public string? Name { get; set; } = joined.Name;
        public string? Metadata { get; set; } = joined.Metadata;
        public Dictionary<string, WebhookTrack> Tracks { get; } = new(StringComparer.Ordinal);

        public WebhookParticipant ToInfo(string state, string? reason) => new(joined.Participant.Value, joined.Identity.Value, state,
            [.. Tracks.Values], Metadata, joined.At.ToUnixTimeSeconds(), joined.At.ToUnixTimeMilliseconds(), Name, Tracks.Count > 0, reason);
    }
}
