using Confer.Signaling.Auth;
using Confer.Signaling.Protocol;
using Confer.Signaling.Routing;

namespace Confer.Signaling.Rooms;

/// <summary>
/// One identity in a room, owned by its <see cref="Room"/>: only the room calls it, under the room's lock.
/// Keeps the connection that speaks for it, its tracks, the session's sequence numbers and a ring of
/// recent frames for resume.
/// </summary>
internal sealed class Participant : ISendableTracks
{
    private readonly OutboundFrame[] _ring;
    private readonly int _ringByteLimit;
    private long _ringBytes;
    private readonly Dictionary<TrackSid, TrackInfo> _tracks = [];
    private readonly (string? Sid, bool Video)[] _unpublished = new (string?, bool)[RecentlyUnpublished];
    private int _unpublishedNext;
    private long _seq;
    private long _acknowledged;
    private IParticipantSink? _sink;
    private ConnectionId _connection;
    private ITimer? _graceTimer;

    public Participant(AccessToken token, long joinedAt, int replayCapacity, int replayBytes)
    {
        _ringByteLimit = replayBytes;
        Token = ResumedWith = token;
        Sid = ParticipantSid.New();
        Identity = new ParticipantIdentity(token.Identity!);
        Name = token.Name;
        Metadata = token.Metadata;
        Permission = token.Video.ToPermission();
        JoinedAt = joinedAt;
        ResumeToken = Sids.ResumeToken();
        _ring = new OutboundFrame[replayCapacity];
    }

    /// <summary>
    /// The participant of a sealed resume token, made again after its room's node died: its old sid, name, metadata and
    /// join time; its frames numbered on from <paramref name="lastSeen"/>, so the client's count goes on.
    /// </summary>
    public Participant(AccessToken token, ResumeState restored, long lastSeen, int replayCapacity, int replayBytes)
        : this(token, restored.JoinedAt, replayCapacity, replayBytes)
    {
        Sid = new ParticipantSid(restored.Sid);
        Name = restored.Name;
        Metadata = restored.Metadata;
        _seq = _acknowledged = Math.Max(0, lastSeen);
    }

    /// <summary>The token the participant joined with, and the one of its latest resume.</summary>
    public AccessToken Token { get; }
    public AccessToken ResumedWith { get; set; }
    public ParticipantSid Sid { get; }
    public ParticipantIdentity Identity { get; }
    public string? Name { get; private set; }
    public string? Metadata { get; private set; }
    public ParticipantPermission Permission { get; }

    /// <summary>May moderate the room (docs/protocol.md, "Hosts, the lobby and moderation"); set by the room only.</summary>
    public bool IsHost { get; set; }

    public long JoinedAt { get; }
    public bool Hidden => Permission.Hidden;
    /// <summary>The token a resume must bring: random, or sealed (<see cref="ResumeSeal"/>) in a cluster; the room reseals it.</summary>
    public string ResumeToken { get; set; }

    /// <summary>When <see cref="ResumeToken"/> was sealed (unix ms; 0: not sealed) and the room state version it sealed.</summary>
    public long SealedAt { get; set; }
    public int SealedVersion { get; set; }

    /// <summary>True once the participant has left the room; nothing it sends counts after that.</summary>
    public bool Gone { get; private set; }

    /// <summary>False while the participant is in its resume grace period (an ingest participant is always connected while it lasts).</summary>
    public bool Connected => _sink is not null || (Ingest && !Gone);

    public int TrackCount => _tracks.Count;

    /// <summary>The participant's published tracks.</summary>
    public IEnumerable<TrackInfo> Tracks => _tracks.Values;

    /// <summary>
    /// True when this participant's media goes through the SFU (a protocol-2 client in an SFU room, or in an <c>auto</c>
    /// room that has moved to the SFU). Set by the room only, under its lock.
    /// </summary>
    public bool UsesSfu { get; set; }

    /// <summary>
    /// When the last subscriber offer went out and its answer has not come (a <see cref="TimeProvider"/> timestamp; 0:
    /// none waits). One offer at a time: a change meanwhile sets <see cref="SubscriberOfferWanted"/>. The room's, under its lock.
    /// </summary>
    internal long SubscriberOfferSentAt { get; set; }

    /// <summary>The tracks this participant should receive changed while an offer waited for its answer: offer again after it.</summary>
    internal bool SubscriberOfferWanted { get; set; }

    /// <summary>The signaling protocol its client speaks (1 or 2): a protocol-1 client keeps an <c>auto</c> room in mesh.</summary>
    public int Protocol { get; init; } = 1;

    /// <summary>
    /// True for a participant without a socket (a WHIP encoder): the frames it would be sent are dropped, it has no
    /// resume grace or ping timeout, and it lasts until its ingest session ends (a leave from its connection id).
    /// </summary>
    public bool Ingest { get; init; }

    /// <summary>True when frames from <paramref name="connection"/> speak for this participant.</summary>
    public bool Owns(ConnectionId connection) => !Gone && (_sink is not null || Ingest) && _connection == connection;

    /// <summary>Names the ingest session that speaks for this socketless participant.</summary>
    public void BindIngest(ConnectionId session) => _connection = session;

    /// <summary>Makes <paramref name="sink"/> the live connection; returns the one it replaces, if any.</summary>
    public IParticipantSink? Attach(ConnectionId connection, IParticipantSink sink)
    {
        var previous = _sink;
        _sink = sink;
        _connection = connection;
        StopGrace();
        return previous;
    }

    /// <summary>The connection went away: keep the state, wait for a resume until <paramref name="grace"/> fires.</summary>
    public void Detach(ITimer grace)
    {
        _sink = null;
        StopGrace();
        _graceTimer = grace;
    }

    /// <summary>The participant leaves for good; returns its connection (if any) for the room to close.</summary>
    public IParticipantSink? End()
    {
        Gone = true;
        StopGrace();
        var sink = _sink;
        _sink = null;
        return sink;
    }

    public void Update(string? name, string? metadata)
    {
        if (name is not null) Name = name;
        if (metadata is not null) Metadata = metadata;
    }

    public void AddTrack(TrackSid sid, TrackInfo track) => _tracks.Add(sid, track);
    /// <summary>
    /// Unpublished tracks whose sids SDP may still name: an answer made just before the unpublish
    /// can reach the server after it. The grant allowed their source, so this admits no new media.
    /// </summary>
    public const int RecentlyUnpublished = 16;

    public bool RemoveTrack(TrackSid sid)
    {
        if (!_tracks.Remove(sid, out var track)) return false;
        _unpublished[_unpublishedNext] = (sid.Value, track.Kind == "video");
        _unpublishedNext = (_unpublishedNext + 1) % RecentlyUnpublished;
        return true;
    }

    /// <summary>True when <paramref name="trackSid"/> is (or was, recently) one of ours, of that kind; for <see cref="SdpPolicy"/>.</summary>
    public bool MaySend(ReadOnlySpan<char> trackSid, bool video)
    {
        foreach (var (sid, track) in _tracks)
            if (trackSid.SequenceEqual(sid.Value) && (track.Kind == "video") == video) return true;
        foreach (var (sid, wasVideo) in _unpublished)
            if (sid is not null && wasVideo == video && trackSid.SequenceEqual(sid)) return true;
        return false;
    }

    public TrackInfo? Track(TrackSid sid) => _tracks.GetValueOrDefault(sid);
    public void ReplaceTrack(TrackSid sid, TrackInfo track) => _tracks[sid] = track;

    /// <summary>
    /// Numbers, buffers and sends one frame. <paramref name="body"/> is shared with the other recipients:
    /// the ring and the connection's queue keep the array, not a copy. Frames that cannot be needed on resume
    /// (<c>join</c>: a client without it has no resume token) are not buffered. A connection whose queue is full is closed.
    /// </summary>
    public void Deliver(byte[] body, bool replayable = true)
    {
        if (Ingest) return;
        var frame = new OutboundFrame(++_seq, body);
        if (replayable) Keep(frame);
        if (_sink is { } sink && !sink.TrySend(frame))
            sink.Close(CloseCodes.SlowConsumer, "slow consumer", null, drain: false);
    }

    /// <summary>
    /// Delivers a frame another participant sent (an offer, data), unless this participant's connection already
    /// has half of <paramref name="queueLimit"/> bytes waiting: then false, and the sender is refused instead of
    /// this participant being closed as slow by someone else's flood.
    /// </summary>
    public bool TryDeliverFromPeer(byte[] body, int queueLimit)
    {
        if (_sink is { } sink && sink.QueuedBytes + body.Length + Frame.MaxHeaderBytes > queueLimit / 2) return false;
        Deliver(body);
        return true;
    }

    /// <summary>Bytes the replay ring holds (each frame's full length, though its body is shared with other rings).</summary>
    public long RingBytes => _ringBytes;

    /// <summary>Bytes waiting in the live connection's queue.</summary>
    public long QueuedBytes => _sink?.QueuedBytes ?? 0;

    /// <summary>Puts a frame in the replay ring, then lets the oldest go while the ring holds more than its byte limit.</summary>
    private void Keep(OutboundFrame frame)
    {
        var id = frame.Id;
        ref var slot = ref _ring[id % _ring.Length];
        _ringBytes += frame.Length - (slot.Body is null ? 0 : slot.Length);
        slot = frame;
        for (var old = Math.Max(1, id - _ring.Length + 1); _ringBytes > _ringByteLimit && old < id; old++)
        {
            ref var entry = ref _ring[old % _ring.Length];
            if (entry.Id != old || entry.Body is null) continue;
            _ringBytes -= entry.Length;
            entry = default;
        }
    }

    /// <summary>A frame about this connection only (<c>id</c> 0, never replayed): errors, pongs.</summary>
    public void DeliverLocal(OutboundFrame frame) => _sink?.TrySend(frame);

    /// <summary>Collects the buffered frames after <paramref name="lastSeen"/>; complete is false when some were dropped.</summary>
    public (List<OutboundFrame> Frames, bool Complete) Replay(long lastSeen)
    {
        var frames = new List<OutboundFrame>();
        if (lastSeen >= _seq) return (frames, true);
        var oldest = Math.Max(1, _seq - _ring.Length + 1);
        var complete = lastSeen + 1 >= oldest;
        for (var id = Math.Max(lastSeen + 1, oldest); id <= _seq; id++)
        {
            var entry = _ring[id % _ring.Length];
            if (entry.Id != id || entry.Body is null) { complete &= id == 1; continue; }
            frames.Add(entry);
        }
        return (frames, complete);
    }

    /// <summary>The client has processed every frame up to <paramref name="lastSeen"/>: stop keeping them.</summary>
    public void Acknowledge(long lastSeen)
    {
        var from = Math.Max(_acknowledged + 1, _seq - _ring.Length + 1);
        var to = Math.Min(lastSeen, _seq);
        for (var id = Math.Max(from, 1); id <= to; id++)
        {
            ref var entry = ref _ring[id % _ring.Length];
            if (entry.Id != id) continue;
            if (entry.Body is not null) _ringBytes -= entry.Length;
            entry = default;
        }
        _acknowledged = Math.Max(_acknowledged, to);
    }

    public ParticipantInfo ToInfo(bool forSelf)
    {
        var tracks = new List<TrackInfo>(_tracks.Count);
        foreach (var t in _tracks.Values) tracks.Add(forSelf ? t : t with { Cid = null });
        var p = Permission;
        return new ParticipantInfo(Sid.Value, Identity.Value, Name, Metadata, JoinedAt,
            new PermissionInfo(p.CanPublish, p.CanSubscribe, p.CanPublishData, p.CanPublishSources, p.CanUpdateMetadata, p.Hidden),
            tracks) { Host = IsHost ? true : null };
    }

    private void StopGrace()
    {
        _graceTimer?.Dispose();
        _graceTimer = null;
    }
}
