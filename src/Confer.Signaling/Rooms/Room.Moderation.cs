using Confer.Signaling.Events;
using Confer.Signaling.Protocol;
using Microsoft.Extensions.Logging;

namespace Confer.Signaling.Rooms;

/// <summary>
/// What hosts may do to the room and the people in it (docs/protocol.md, "Hosts, the lobby and moderation"). Every frame
/// here is refused unless its sender is a host, so hiding a button in the app is never the only guard. Nobody is unmuted
/// by someone else: a host can only ask (<c>unmuteRequest</c>), and the person decides.
/// </summary>
internal sealed partial class Room
{
    private bool Moderate(Participant p, ClientMessage m)
    {
        if (!p.IsHost) return Error(p, m, ErrorCodes.PermissionDenied, $"only a host may send '{m.Type}'");
        switch (m.Type)
        {
            case ClientTypes.Admit: return DecideLocked(p, m, admit: true);
            case ClientTypes.Deny: return DecideLocked(p, m, admit: false);
            case ClientTypes.LockRoom:
                if (m.Locked is not { } locked) return Error(p, m, ErrorCodes.InvalidMessage, "lockRoom needs 'locked'");
                if (_locked != locked)
                {
                    _locked = locked;
                    _sealVersion++;
                    BroadcastLocked(Frame.Serialize(new RoomUpdatedMessage(ToInfoLocked())), null);
                    LogModerated(_log, Name.Value, p.Identity.Value, locked ? "locked the room" : "unlocked the room", "-");
                }
                return true;
            case ClientTypes.EndMeeting:
                LogModerated(_log, Name.Value, p.Identity.Value, "ended the meeting", "-");
                _closed = true; // no empty-room timer while everyone is removed
                foreach (var q in _bySid.Values.ToList())
                    RemoveLocked(q, LeaveReasons.RoomDeleted, CloseCodes.RoomDeleted, "the host ended the meeting", announce: false);
                CloseLocked();
                return true;
        }

        var target = string.IsNullOrEmpty(m.Identity) ? null : _byIdentity.GetValueOrDefault(m.Identity);
        if (target is null) return Error(p, m, ErrorCodes.UnknownParticipant, $"{m.Type} needs the 'identity' of someone in the room");
        LogModerated(_log, Name.Value, p.Identity.Value, m.Type!, target.Identity.Value);
        switch (m.Type)
        {
            case ClientTypes.MuteParticipant:
                return MuteByHostLocked(p, m, target);
            case ClientTypes.AskUnmute:
                target.Deliver(Frame.Serialize(new UnmuteRequestMessage(p.Sid.Value, p.Identity.Value, m.TrackSid)));
                return true;
            case ClientTypes.StopTrack:
                return StopTrackLocked(p, m, target);
            case ClientTypes.RemoveParticipant:
                _context.Removed.Add(target.Token);
                _context.Removed.Add(target.ResumedWith);
                ForbidLocked(target.Identity);
                RemoveLocked(target, LeaveReasons.Removed, CloseCodes.Removed, "removed by a host");
                return true;
            case ClientTypes.MakeHost:
                if (target.IsHost) return true;
                target.IsHost = true;
                target.Deliver(Frame.Serialize(new ParticipantUpdatedMessage(target.ToInfo(forSelf: true))));
                ResealLocked(target);
                if (!target.Hidden) BroadcastLocked(Frame.Serialize(new ParticipantUpdatedMessage(target.ToInfo(forSelf: false))), target);
                SendLobbyLocked(only: target);
                return true;
            default:
                return Error(p, m, ErrorCodes.UnknownType, $"unknown type '{Truncate(m.Type ?? "")}'");
        }
    }

    /// <summary>Mutes the named track, or every microphone of theirs; their client turns it off when told (trackMuted).</summary>
    private bool MuteByHostLocked(Participant host, ClientMessage m, Participant target)
    {
        if (!string.IsNullOrEmpty(m.TrackSid))
            return SetMutedLocked(target, new TrackSid(m.TrackSid), true) is not null
                || Error(host, m, ErrorCodes.UnknownTrack, $"'{target.Identity}' has no track '{Truncate(m.TrackSid)}'");
        foreach (var t in target.Tracks.Where(t => t.Source == "microphone").ToList())
            SetMutedLocked(target, new TrackSid(t.Sid), true);
        return true;
    }

    /// <summary>
    /// Stops a camera (muted: their client turns the camera off) or a screen share (unpublished for everyone: their client
    /// stops sharing). Another kind of track is muted.
    /// </summary>
    private bool StopTrackLocked(Participant host, ClientMessage m, Participant target)
    {
        if (string.IsNullOrEmpty(m.TrackSid) || target.Track(new TrackSid(m.TrackSid)) is not { } track)
            return Error(host, m, ErrorCodes.UnknownTrack, $"stopTrack needs the 'trackSid' of one of '{target.Identity}''s tracks");
        var sid = new TrackSid(track.Sid);
        if (track.Source is not ("screen_share" or "screen_share_audio"))
        {
            SetMutedLocked(target, sid, true);
            return true;
        }
        target.RemoveTrack(sid);
        BroadcastLocked(Frame.Serialize(new TrackUnpublishedMessage(target.Sid.Value, sid.Value)), null);
        Raise(new TrackUnpublished(Name, Sid, Now, target.Sid, sid));
        SyncSubscriptionsLocked(except: target);
        return true;
    }

    [LoggerMessage(EventId = 142, Level = LogLevel.Information, Message = "Room {Room}: host {Host} {Action} {Target}")]
    private static partial void LogModerated(ILogger logger, string room, string host, string action, string target);
}
