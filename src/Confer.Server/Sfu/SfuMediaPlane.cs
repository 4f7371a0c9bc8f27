using Confer.Sfu.Session;
using Confer.Signaling.Media;
using Confer.Signaling.Rooms;

namespace Confer.Server.Sfu;

/// <summary>
/// The rooms' <see cref="IMediaPlane"/> on this server: Confer's SFU (<see cref="SfuService"/>). Translates the
/// signaling side's typed ids into the SFU's plain strings and back; nothing else.
/// </summary>
internal sealed class SfuMediaPlane(SfuService sfu) : IMediaPlane
{
    public MediaAnswer Publish(MediaParticipant who, string offerSdp, IReadOnlyList<MediaTrack> published)
    {
        var answer = sfu.Publish(who.Room.Value, who.Participant.Value, offerSdp, [.. published.Select(Of)]);
        return new MediaAnswer(answer.Sdp, answer.Error);
    }

    public MediaOffer? Subscribe(MediaParticipant who, IReadOnlyList<MediaTrack> tracks) =>
        sfu.Subscribe(who.Room.Value, who.Participant.Value, [.. tracks.Select(Of)]) is { } offer
            ? new MediaOffer(offer.Sdp, [.. offer.Tracks.Select(t => new MediaOfferTrack(t.Mid, t.TrackSid, t.Publisher))])
            : null;

    public MediaAnswer SubscriberAnswer(MediaParticipant who, string answerSdp) =>
        sfu.SubscriberAnswer(who.Room.Value, who.Participant.Value, answerSdp) is { } error ? MediaAnswer.Refused(error) : new MediaAnswer(null, null);

    public MediaOffer? RestartSubscriberIce(MediaParticipant who) =>
        sfu.RestartSubscriberIce(who.Room.Value, who.Participant.Value) is { } offer
            ? new MediaOffer(offer.Sdp, [.. offer.Tracks.Select(t => new MediaOfferTrack(t.Mid, t.TrackSid, t.Publisher))])
            : null;

    public void SetVisibleSize(MediaParticipant who, string trackSid, int width, int height) =>
        sfu.SetVisibleSize(who.Room.Value, who.Participant.Value, trackSid, width, height);

    public void Remove(MediaParticipant who) => sfu.Remove(who.Room.Value, who.Participant.Value);

    public void Observe(IMediaEvents events)
    {
        sfu.SpeakersChanged += (room, speakers) =>
            events.SpeakersChanged(new RoomName(room), [.. speakers.Select(s => new MediaSpeaker(new ParticipantSid(s.Participant), s.Level))]);
        sfu.PublishedLayersChanged += change =>
            events.PublishedLayersChanged(new MediaParticipant(new RoomName(change.Room), new ParticipantSid(change.Participant)), change.TrackSid,
                [.. change.Layers.Select(l => new MediaLayer(l.Rid, l.Active))]);
        sfu.MediaLapsed += (room, participant) => events.MediaLapsed(new MediaParticipant(new RoomName(room), new ParticipantSid(participant)));
    }

    private static SfuTrack Of(MediaTrack t) => new(t.TrackSid, t.Publisher.Value, t.Kind, t.Source, t.Mid);
}
