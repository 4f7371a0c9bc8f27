using Confer.Signaling.Auth;
using Confer.Signaling.Protocol;
using Confer.Signaling.Routing;

namespace Confer.Signaling.Rooms;

/// <summary>
/// One identity in a room. Owned by its <see cref="Room"/>: every member is read and written under the
/// room's lock. Keeps the session's sequence numbers and a ring of recent frames for resume.
/// </summary>
public sealed class Participant
{
    private readonly (long Id, byte[] Frame)[] _ring;
    private long _seq;
    private long _acknowledged;

    internal Participant(Room room, AccessToken token, long joinedAt, int replayCapacity)
    {
        Room = room;
        Sid = Sids.Participant();
        Identity = token.Identity!;
        Name = token.Name;
        Metadata = token.Metadata;
        Permission = token.Video.ToPermission();
        JoinedAt = joinedAt;
        ResumeToken = Sids.ResumeToken();
        _ring = new (long, byte[])[replayCapacity];
    }

    public Room Room { get; }
    public string Sid { get; }
    public string Identity { get; }
    public string? Name { get; internal set; }
    public string? Metadata { get; internal set; }
    public ParticipantPermission Permission { get; }
    public long JoinedAt { get; }
    public bool Hidden => Permission.Hidden;

    internal string ResumeToken { get; }
    internal Dictionary<string, TrackInfo> Tracks { get; } = new(StringComparer.Ordinal);

    /// <summary>The live connection; null while the participant is in its resume grace period.</summary>
    internal IParticipantSink? Sink { get; set; }
    internal ITimer? GraceTimer { get; set; }
    internal bool Gone { get; set; }
    internal long LastSequence => _seq;

    /// <summary>
    /// Numbers, buffers and sends one frame. Called under the room's lock. Frames that cannot be needed
    /// on resume (<c>join</c>: a client without it has no resume token) are not buffered.
    /// </summary>
    internal void Deliver(byte[] body, bool replayable = true)
    {
        var id = ++_seq;
        var frame = Frame.Encode(id, body);
        if (replayable) _ring[id % _ring.Length] = (id, frame);
        if (Sink is { } sink && !sink.TrySend(frame))
            sink.Close(CloseCodes.SlowConsumer, "slow consumer", null, drain: false);
    }

    /// <summary>Sends the buffered frames after <paramref name="lastSeen"/>; complete is false when some were dropped.</summary>
    internal (int Count, bool Complete) Replay(long lastSeen, IParticipantSink sink)
    {
        if (lastSeen >= _seq) return (0, true);
        var oldest = Math.Max(1, _seq - _ring.Length + 1);
        var complete = lastSeen + 1 >= oldest;
        var count = 0;
        for (var id = Math.Max(lastSeen + 1, oldest); id <= _seq; id++)
        {
            var entry = _ring[id % _ring.Length];
            if (entry.Id != id || entry.Frame is null) { complete &= id == 1; continue; }
            sink.TrySend(entry.Frame);
            count++;
        }
        return (count, complete);
    }

    /// <summary>The client has processed every frame up to <paramref name="lastSeen"/>: stop keeping them.</summary>
    internal void Acknowledge(long lastSeen)
    {
        var from = Math.Max(_acknowledged + 1, _seq - _ring.Length + 1);
        var to = Math.Min(lastSeen, _seq);
        for (var id = Math.Max(from, 1); id <= to; id++)
        {
            ref var entry = ref _ring[id % _ring.Length];
            if (entry.Id == id) entry = default;
        }
        _acknowledged = Math.Max(_acknowledged, to);
    }

    internal ParticipantInfo ToInfo(bool forSelf)
    {
        var tracks = new List<TrackInfo>(Tracks.Count);
        foreach (var t in Tracks.Values) tracks.Add(forSelf ? t : t with { Cid = null });
        var p = Permission;
        return new ParticipantInfo(Sid, Identity, Name, Metadata, JoinedAt,
            new PermissionInfo(p.CanPublish, p.CanSubscribe, p.CanPublishData, p.CanPublishSources, p.CanUpdateMetadata, p.Hidden),
            tracks);
    }
}
