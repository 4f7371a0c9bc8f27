using Confer.Signaling.Media;
using Confer.Signaling.Protocol;

namespace Confer.Signaling.Rooms;

/// <summary>
/// Media through the SFU (docs/protocol.md, "Through Confer's SFU"): the room holds each SDP to the sender's grants,
/// asks the media plane (<see cref="IMediaPlane"/>) for the answers and offers, and decides who receives what — every
/// track of everyone else, for those allowed to subscribe. All under the room's lock, like every other frame.
/// </summary>
internal sealed partial class Room
{
    private IMediaPlane? Media => _context.Media;

    private MediaParticipant Key(Participant p) => new(Name, p.Sid);

    /// <summary>The join frame's topology: what a protocol-2 client is told; protocol 1 is never told (always mesh).</summary>
    private string? TopologyFor(Participant p, int protocol) => protocol >= 2 ? (p.UsesSfu ? Topologies.Sfu : Topologies.Mesh) : null;

    private bool PublisherOffer(Participant p, ClientMessage m)
    {
        if (!p.UsesSfu || Media is not { } media) return Error(p, m, ErrorCodes.InvalidMessage, "this room's media goes browser to browser: send 'offer' frames");
        if (string.IsNullOrEmpty(m.Sdp)) return Error(p, m, ErrorCodes.InvalidMessage, "publisherOffer needs 'sdp'");
        if (SdpPolicy.Check(m.Sdp, SdpRights.Of(p.Permission), p) is { Allowed: false } refused)
            return Error(p, m, ErrorCodes.SdpRefused, refused.Describe());
        var answer = media.Publish(Key(p), m.Sdp, PublishedLocked(p));
        if (answer.Sdp is null) return Error(p, m, ErrorCodes.SdpRefused, answer.Error ?? "the SFU refused the offer");
        p.Deliver(Frame.Serialize(new PublisherAnswerMessage(answer.Sdp)));
        SyncSubscriptionsLocked(except: p);
        return true;
    }

    private bool SubscriberAnswer(Participant p, ClientMessage m)
    {
        if (!p.UsesSfu || Media is not { } media) return Error(p, m, ErrorCodes.InvalidMessage, "this room's media goes browser to browser: send 'answer' frames");
        if (string.IsNullOrEmpty(m.Sdp)) return Error(p, m, ErrorCodes.InvalidMessage, "subscriberAnswer needs 'sdp'");
        var result = media.SubscriberAnswer(Key(p), m.Sdp);
        // Answered (even badly): the next offer may go, and one that waited goes now.
        p.SubscriberOfferSentAt = 0;
        if (p.SubscriberOfferWanted)
        {
            p.SubscriberOfferWanted = false;
            SyncSubscriptionsLocked(only: p);
        }
        return result.Error is null || Error(p, m, ErrorCodes.SdpRefused, result.Error);
    }

    private bool UpdateSubscription(Participant p, ClientMessage m)
    {
        if (!p.UsesSfu || Media is not { } media) return Error(p, m, ErrorCodes.InvalidMessage, "updateSubscription is for rooms that use the SFU");
        if (string.IsNullOrEmpty(m.TrackSid)) return Error(p, m, ErrorCodes.InvalidMessage, "updateSubscription needs 'trackSid'");
        bool shown = m.Subscribed ?? true;
        media.SetVisibleSize(Key(p), m.TrackSid, shown ? Math.Clamp(m.Width ?? 0, 0, 16384) : 0, shown ? Math.Clamp(m.Height ?? 0, 0, 16384) : 0);
        return true;
    }

    /// <summary>ICE restart of the subscriber connection: a new subscriber offer with fresh credentials (docs/protocol.md).</summary>
    private bool RestartIce(Participant p, ClientMessage m)
    {
        if (!p.UsesSfu || Media is not { } media) return Error(p, m, ErrorCodes.InvalidMessage, "restartIce is for rooms that use the SFU");
        if (media.RestartSubscriberIce(Key(p)) is not { } offer) return Error(p, m, ErrorCodes.InvalidMessage, "no subscriber connection to restart yet");
        SendSubscriberOfferLocked(p, offer);
        return true;
    }

    /// <summary>The participant's own tracks, as the media plane is told of them (an ingest track's cid is its mid).</summary>
    private static List<MediaTrack> PublishedLocked(Participant p)
    {
        var list = new List<MediaTrack>(p.TrackCount);
        foreach (var t in p.Tracks) list.Add(new MediaTrack(t.Sid, p.Sid, t.Kind, t.Source, p.Ingest ? t.Cid : null));
        return list;
    }

    /// <summary>
    /// Gives every SFU participant that may subscribe (except <paramref name="except"/>) exactly the tracks of everyone
    /// else, and sends a subscriber offer to each whose connection changed. Called when tracks or people come and go.
    /// </summary>
    private void SyncSubscriptionsLocked(Participant? except = null, Participant? only = null)
    {
        if (Media is not { } media) return;
        foreach (var q in only is null ? _bySid.Values.ToList() : [only])
        {
            if (ReferenceEquals(q, except) || !q.UsesSfu || q.Ingest || !q.Permission.CanSubscribe) continue;
            if (AwaitsSubscriberAnswerLocked(q))
            {
                q.SubscriberOfferWanted = true; // sent once the answer comes: two offers in flight race the browser's answers
                continue;
            }
            var tracks = new List<MediaTrack>();
            foreach (var other in _bySid.Values)
                if (!ReferenceEquals(other, q) && other.UsesSfu) tracks.AddRange(PublishedLocked(other));
            if (media.Subscribe(Key(q), tracks) is not { } offer) continue;
            SendSubscriberOfferLocked(q, offer);
        }
    }

    /// <summary>How long an offer may wait for its answer before the next one goes anyway (a client that lost it).</summary>
    internal static readonly TimeSpan SubscriberAnswerWait = TimeSpan.FromSeconds(5);

    private bool AwaitsSubscriberAnswerLocked(Participant q) =>
        q.SubscriberOfferSentAt != 0 && _time.GetElapsedTime(q.SubscriberOfferSentAt) < SubscriberAnswerWait;

    private void SendSubscriberOfferLocked(Participant q, MediaOffer offer)
    {
        var infos = offer.Tracks.Select(t => new SubscribedTrackInfo(t.Mid, t.TrackSid, t.ParticipantSid)).ToList();
        q.Deliver(Frame.Serialize(new SubscriberOfferMessage(offer.Sdp, infos)));
        q.SubscriberOfferSentAt = _time.GetTimestamp();
        q.SubscriberOfferWanted = false;
    }

    /// <summary>A participant that used the SFU left: its connections go, and the others stop receiving its tracks.</summary>
    private void RemoveMediaLocked(Participant p)
    {
        if (Media is not { } media) return;
        media.Remove(Key(p)); // also after an auto room went back to mesh: its SFU connections may still be open
        if (p.UsesSfu) SyncSubscriptionsLocked();
    }
}
