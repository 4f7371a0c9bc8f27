using Confer.Signaling.Auth;
using Confer.Signaling.Events;
using Confer.Signaling.Protocol;
using Confer.Signaling.Routing;
using Microsoft.Extensions.Logging;

namespace Confer.Signaling.Rooms;

/// <summary>
/// WHIP ingest (RFC 9725; docs/protocol.md, "WHIP ingest"): a participant without a socket whose offer publishes one
/// track per sending audio or video section. The room names the tracks (the encoder's msid can be anything) and the
/// media plane finds them by mid. Everyone else sees it join and publish like anyone.
/// </summary>
internal sealed partial class Room
{
    /// <summary>The token's grants for an ingest of these sections; null when they allow it, else the sentence refusing it.</summary>
    public static string? CheckIngestGrant(AccessToken token, IReadOnlyList<IngestSection> sections, int maxTracks)
    {
        var permission = token.Video.ToPermission();
        if (!permission.CanPublish) return "permission denied: the token has no canPublish grant";
        if (permission.Hidden) return "permission denied: hidden participants cannot publish";
        if (sections.Count == 0) return null;
        foreach (var section in sections)
            if (!permission.MayPublishSource(SourceOf(section.Kind)))
                return $"permission denied: the token may not publish '{SourceOf(section.Kind)}'";
        return sections.Count > maxTracks ? $"at most {maxTracks} tracks per participant" : null;
    }

    /// <summary>An encoder's video is a camera, its audio a microphone.</summary>
    private static string SourceOf(string kind) => kind == "video" ? "camera" : "microphone";

    /// <summary>Joins a participant without a socket and publishes its offer; null when the room has closed (ask for a fresh one).</summary>
    public IngestReply? Ingest(IngestRequest request)
    {
        var token = request.Token;
        lock (_gate)
        {
            if (_closed) return null;
            if (Media is not { } media)
                return IngestReply.Refused(IngestOutcome.NotSfu, Name, "WHIP needs the SFU topology: this room's media goes browser to browser");
            if (request.Sections.Count == 0)
                return RefuseIngestLocked(IngestOutcome.BadOffer, "the offer sends no audio or video section (a=sendonly, with a mid, in the BUNDLE group)");
            var existing = _byIdentity.GetValueOrDefault(token.Identity!);
            if (_count - (existing is null ? 0 : 1) >= MaxParticipants)
            {
                LogRoomFull(_log, Name.Value, MaxParticipants);
                return RefuseIngestLocked(IngestOutcome.RoomFull, $"room full: '{Name}' allows {MaxParticipants} participants");
            }

            var p = new Participant(token, _time.GetUtcNow().ToUnixTimeMilliseconds(), 1, 0) { UsesSfu = true, Ingest = true };
            p.BindIngest(request.Connection);
            foreach (var section in request.Sections)
            {
                var sid = TrackSid.New();
                p.AddTrack(sid, new TrackInfo(sid.Value, section.Mid, section.Kind, SourceOf(section.Kind), null, false, null, null));
            }
            var answer = media.Publish(Key(p), request.OfferSdp, PublishedLocked(p));
            if (answer.Sdp is null)
            {
                media.Remove(Key(p));
                return RefuseIngestLocked(IngestOutcome.BadOffer, answer.Error ?? "the SFU refused the offer");
            }

            StartLocked();
            if (existing is not null)
                RemoveLocked(existing, LeaveReasons.Replaced, CloseCodes.Replaced, "replaced: the same identity joined again", replacing: true);
            _byIdentity.Add(p.Identity.Value, p);
            _bySid.Add(p.Sid.Value, p);
            Volatile.Write(ref _count, _byIdentity.Count);
            StopEmptyTimerLocked();
            // Joined first (without tracks), then each track, as a client that publishes after joining is seen.
            BroadcastLocked(Frame.Serialize(new ParticipantJoinedMessage(p.ToInfo(forSelf: false) with { Tracks = [] })), p);
            Raise(new ParticipantJoined(Name, Sid, Now, p.Sid, p.Identity, p.Hidden, p.Name, p.Metadata));
            foreach (var track in p.Tracks)
            {
                BroadcastLocked(Frame.Serialize(new TrackPublishedMessage(p.Sid.Value, track with { Cid = null })), p);
                Raise(new TrackPublished(Name, Sid, Now, p.Sid, new TrackSid(track.Sid), track.Kind, track.Source));
            }
            LogIngestJoined(_log, Name.Value, p.Identity.Value, p.Sid.Value, p.TrackCount);
            SyncSubscriptionsLocked(except: p);
            return new IngestReply(IngestOutcome.Done, Name, p.Sid, answer.Sdp);
        }
    }

    /// <summary>A refusal; a room nobody is in yet closes after its empty timeout as if the ingest had never come.</summary>
    private IngestReply RefuseIngestLocked(IngestOutcome outcome, string reason)
    {
        if (_count == 0 && _emptyTimer is null) ScheduleEmptyLocked();
        return IngestReply.Refused(outcome, Name, reason);
    }

    [LoggerMessage(EventId = 115, Level = LogLevel.Information, Message = "{Identity} ({Sid}) joined {Room} by WHIP with {Tracks} tracks")]
    private static partial void LogIngestJoined(ILogger logger, string room, string identity, string sid, int tracks);
}
