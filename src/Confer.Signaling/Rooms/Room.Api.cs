using Confer.Signaling.Protocol;
using Confer.Signaling.Routing;

namespace Confer.Signaling.Rooms;

/// <summary>The server API's requests about one room (docs/protocol.md, "Server API").</summary>
internal sealed partial class Room
{
    /// <summary>The room's info; null once it has closed.</summary>
    public RoomInfo? Info()
    {
        lock (_gate)
            return _closed ? null : ToInfoLocked();
    }

    /// <summary>Answers a request naming this room; <see cref="RoomReply.NoRoom"/> once it has closed.</summary>
    public RoomReply Handle(RoomRequest request)
    {
        lock (_gate)
        {
            if (_closed) return RoomReply.NoRoom;
            switch (request)
            {
                case DeleteRoomRequest:
                    _closed = true; // no empty-room timer while everyone is removed
                    foreach (var p in _bySid.Values.ToList())
                        RemoveLocked(p, LeaveReasons.RoomDeleted, CloseCodes.RoomDeleted, "room deleted", announce: false);
                    CloseLocked();
                    return RoomReply.Done;

                case ListParticipantsRequest:
                    // Everyone, hidden participants included.
                    return new RoomReply(ApiOutcome.Done) { Participants = [.. _bySid.Values.Select(p => p.ToInfo(forSelf: false))] };

                case GetParticipantRequest get:
                    return _byIdentity.GetValueOrDefault(get.Identity.Value) is { } found
                        ? new RoomReply(ApiOutcome.Done) { Participant = found.ToInfo(forSelf: false) }
                        : new RoomReply(ApiOutcome.NoParticipant);

                case RemoveParticipantRequest remove:
                    if (_byIdentity.GetValueOrDefault(remove.Identity.Value) is not { } removed) return new RoomReply(ApiOutcome.NoParticipant);
                    // The same token may not bring it back.
                    _context.Removed.Add(removed.Token);
                    _context.Removed.Add(removed.ResumedWith);
                    ForbidLocked(removed.Identity);
                    RemoveLocked(removed, LeaveReasons.Removed, CloseCodes.Removed, "removed by the server API");
                    return RoomReply.Done;

                case MuteTrackRequest mute:
                    if (_byIdentity.GetValueOrDefault(mute.Identity.Value) is not { } muted) return new RoomReply(ApiOutcome.NoParticipant);
                    return SetMutedLocked(muted, mute.Track, mute.Muted) is { } track
                        ? new RoomReply(ApiOutcome.Done) { Track = track with { Cid = null } }
                        : new RoomReply(ApiOutcome.NoTrack);

                case KnockRequest knock:
                    return new RoomReply(ApiOutcome.Done) { Knock = KnockLocked(knock.Identity, knock.Name) };

                case LobbyPollRequest poll:
                    return new RoomReply(ApiOutcome.Done) { Knock = PollLocked(poll.Ticket) };

                case LobbyLeaveRequest leave:
                    return LeaveLobbyLocked(leave.Ticket) ? RoomReply.Done : new RoomReply(ApiOutcome.NoParticipant, "nobody waits with that ticket");

                case SendDataRequest send:
                    var data = send.Data;
                    var body = Frame.Serialize(new DataMessage(null, null, data.Payload!, data.Encoding ?? "text", data.Topic, true));
                    var (unknown, _) = DeliverDataLocked(body, null, data.DestinationIdentities);
                    return unknown is null ? RoomReply.Done : new RoomReply(ApiOutcome.NoParticipant, $"no participant '{unknown}'");

                default:
                    return new RoomReply(ApiOutcome.BadRequest, $"{request.GetType().Name} is not a request about one room");
            }
        }
    }
}
