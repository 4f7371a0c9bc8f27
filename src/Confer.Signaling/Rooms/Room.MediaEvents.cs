using Confer.Signaling.Media;
using Confer.Signaling.Protocol;
using Microsoft.Extensions.Logging;

namespace Confer.Signaling.Rooms;

/// <summary>
/// What the SFU notices on the media path, told to the room's participants (docs/protocol.md, "Active speakers and
/// dynacast"): the active speakers from RFC 6464 audio levels, to everyone on the SFU; and which simulcast layers a
/// publisher should send, to that publisher. And a participant whose SFU connections lost ICE consent (RFC 7675): the
/// plane released its media, so the others get subscriber offers without its tracks; a WHIP encoder, which has no
/// socket to say it left, leaves the room then.
/// </summary>
internal sealed partial class Room
{
    internal void OnSpeakersChanged(IReadOnlyList<MediaSpeaker> speakers)
    {
        lock (_gate)
        {
            if (_closed) return;
            var infos = new List<SpeakerInfo>(speakers.Count);
            foreach (var s in speakers)
                if (_bySid.GetValueOrDefault(s.Participant.Value) is { Hidden: false } p)
                    infos.Add(new SpeakerInfo(p.Sid.Value, Math.Round(Math.Clamp(s.Level, 0, 1), 2)));
            var frame = Frame.Serialize(new SpeakersChangedMessage(infos));
            foreach (var q in _bySid.Values)
                if (q.UsesSfu && !q.Ingest) q.Deliver(frame);
        }
    }

    internal void OnPublishedLayersChanged(ParticipantSid publisher, string trackSid, IReadOnlyList<MediaLayer> layers)
    {
        lock (_gate)
        {
            if (_closed || _bySid.GetValueOrDefault(publisher.Value) is not { UsesSfu: true, Ingest: false } p) return;
            var infos = new List<LayerInfo>(layers.Count);
            foreach (var l in layers) infos.Add(new LayerInfo(l.Rid, l.Active));
            p.Deliver(Frame.Serialize(new PublishedLayersMessage(trackSid, infos)));
        }
    }

    internal void OnMediaLapsed(ParticipantSid who)
    {
        lock (_gate)
        {
            if (_closed || _bySid.GetValueOrDefault(who.Value) is not { } p) return;
            LogMediaLapsed(_log, Name.Value, p.Identity.Value);
            if (p.Ingest)
            {
                RemoveLocked(p, LeaveReasons.Disconnected, null, null); // an encoder gone without its DELETE
                return;
            }
            (p.SubscriberOfferSentAt, p.SubscriberOfferWanted) = (0, false); // its next SFU connection starts afresh
            if (p.UsesSfu) SyncSubscriptionsLocked(except: p);
        }
    }

    [LoggerMessage(EventId = 132, Level = LogLevel.Information, Message = "{Identity} in {Room} lost ICE consent on the SFU (RFC 7675): its media was released")]
    private static partial void LogMediaLapsed(ILogger logger, string room, string identity);
}
