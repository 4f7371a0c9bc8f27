using Confer.Signaling.Media;

namespace Confer.Signaling.Rooms;

/// <summary>Hands what the media plane reports (<see cref="IMediaEvents"/>) to the room it is about, if that room still exists.</summary>
internal sealed class RoomMediaEvents(Func<RoomName, Room?> find) : IMediaEvents
{
    public void SpeakersChanged(RoomName room, IReadOnlyList<MediaSpeaker> speakers) => find(room)?.OnSpeakersChanged(speakers);

    public void PublishedLayersChanged(MediaParticipant publisher, string trackSid, IReadOnlyList<MediaLayer> layers) =>
        find(publisher.Room)?.OnPublishedLayersChanged(publisher.Participant, trackSid, layers);

    public void MediaLapsed(MediaParticipant who) => find(who.Room)?.OnMediaLapsed(who.Participant);
}
