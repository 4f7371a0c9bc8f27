using System.Collections.Concurrent;
using Confer.Signaling.Auth;
using Confer.Signaling.Events;
using Confer.Signaling.Protocol;
using Confer.Signaling.Routing;
using Microsoft.Extensions.Logging;

namespace Confer.Signaling.Rooms;

/// <summary>
/// The rooms hosted on this node, by name. It makes a room when the first join (or the server API) asks
/// for one, forgets it when the room says it has closed, and passes each request to the room it names;
/// the rooms do the rest under their own locks. <see cref="LocalRouter"/> reaches it directly; a
/// distributed router would reach the node's manager over the wire.
/// </summary>
public sealed class RoomManager
{
    public const string ServerVersion = "0.1.0";
    private readonly ConcurrentDictionary<string, Room> _rooms = new(StringComparer.Ordinal);
    private readonly SignalingOptions _options;
    private readonly RoomContext _context;
    private readonly RemovedTokens _removed;
    private readonly TimeProvider _time;

    public RoomManager(SignalingOptions options, TimeProvider time, RoomEventQueue events, ILogger<RoomManager> log, Media.IMediaPlane? media = null,
        ResumeSeal? seal = null)
    {
        _options = options;
        _time = time;
        _removed = new RemovedTokens(time);
        _context = new RoomContext(options, time, events, log, room => _rooms.TryRemove(new KeyValuePair<string, Room>(room.Name.Value, room)), _removed,
            Topologies.NeedsSfu(options.Topology) ? media : null) { Seal = seal };
        _context.Media?.Observe(new RoomMediaEvents(Find));
    }

    public int RoomCount => _rooms.Count;

    /// <summary>Participants in this node's rooms (those in their grace period included).</summary>
    public int ParticipantCount
    {
        get
        {
            var n = 0;
            foreach (var room in _rooms.Values) n += room.Count;
            return n;
        }
    }

    /// <summary>
    /// Bytes this node's participants hold for their clients (replay rings and connection queues, a shared frame
    /// counted once per holder): what a flooding sender could make the server keep.
    /// </summary>
    public long HeldBytes
    {
        get
        {
            long n = 0;
            foreach (var room in _rooms.Values) n += room.HeldBytes();
            return n;
        }
    }

    /// <summary>Checks that a validated token may connect to <c>/rtc</c>; null when it may.</summary>
    public static JoinReply? CheckJoinGrant(AccessToken token)
    {
        var room = new RoomName(token.Video.Room ?? "");
        if (!token.Video.RoomJoin) return JoinReply.Refused(room, CloseCodes.PermissionDenied, "permission denied: the token has no roomJoin grant");
        if (!RoomName.IsValid(token.Video.Room)) return JoinReply.Refused(room, CloseCodes.PermissionDenied, "permission denied: the token names no room");
        if (string.IsNullOrEmpty(token.Identity) || token.Identity.Length > ParticipantIdentity.MaxLength)
            return JoinReply.Refused(room, CloseCodes.PermissionDenied, "permission denied: the token has no identity (sub)");
        return null;
    }

    public JoinReply Join(JoinRequest request, IParticipantSink sink)
    {
        if (CheckJoinGrant(request.Token) is { } refused) return refused;
        var name = request.Room;
        if (_removed.Contains(request.Token))
            return JoinReply.Refused(name, CloseCodes.Removed, "removed: this token's participant was removed from the room; it needs a new token");
        if (_draining) return DrainingReply(name);
        if (request.ResumeToken is not null) return Resume(request, sink);
        for (var attempt = 0; attempt < 16; attempt++)
        {
            var room = GetOrCreate(name, null, null, null);
            // Null: lost a race with the empty-room timer; the next attempt makes a fresh room.
            if (room.Join(request, sink) is not { } reply) continue;
            if (_draining) room.Shutdown(); // a room made after Shutdown looked: its newcomer is told to go again
            return reply;
        }
        return JoinReply.Refused(name, CloseCodes.GoingAway, "room is closing, try again");
    }

    /// <summary>
    /// A resume. With a sealed token (a cluster) that opens, names this room and the access token's identity, a room that
    /// is not here is made again from it (same sid, settings, metadata) and so is the participant (<see cref="Room.Resume"/>).
    /// </summary>
    private JoinReply Resume(JoinRequest request, IParticipantSink sink)
    {
        var name = request.Room;
        var restored = _context.Seal?.Open(request.ResumeToken, _time.GetUtcNow().ToUnixTimeMilliseconds());
        if (restored is not null && (restored.Room != name.Value || restored.Identity != request.Token.Identity))
            return JoinReply.Refused(name, CloseCodes.ResumeFailed, "resume failed: the resume token is for another room or identity");
        for (var attempt = 0; attempt < 16; attempt++)
        {
            var room = Find(name);
            if (room is null)
            {
                if (restored is null) break;
                room = _rooms.GetOrAdd(name.Value, new Room(name, restored, _context));
            }
            // Null: the room closed meanwhile and the sealed state can make it again.
            if (room.Resume(request, sink, restored) is { } reply) return reply;
        }
        return JoinReply.Refused(name, CloseCodes.ResumeFailed, "resume failed: the session has ended");
    }

    /// <summary>A participant without a socket (WHIP) joins the token's room and publishes; see <see cref="IngestRequest"/>.</summary>
    public IngestReply Ingest(IngestRequest request)
    {
        var name = request.Room;
        if (CheckJoinGrant(request.Token) is { } refused) return IngestReply.Refused(IngestOutcome.Forbidden, name, refused.Reason ?? "permission denied");
        if (_context.Media is null)
            return IngestReply.Refused(IngestOutcome.NotSfu, name, $"WHIP needs the SFU topology: this server's rooms are '{_options.Topology}' (start it with --topology sfu)");
        if (Room.CheckIngestGrant(request.Token, request.Sections, _options.MaxTracksPerParticipant) is { } denied)
            return IngestReply.Refused(IngestOutcome.Forbidden, name, denied);
        if (_removed.Contains(request.Token))
            return IngestReply.Refused(IngestOutcome.Forbidden, name, "removed: this token's participant was removed from the room; it needs a new token");
        if (_draining) return IngestReply.Refused(IngestOutcome.Unavailable, name, "server restarting: try again in a moment");
        for (var attempt = 0; attempt < 16; attempt++)
            if (GetOrCreate(name, null, null, null).Ingest(request) is { } reply)
                return reply;
        return IngestReply.Refused(IngestOutcome.Unavailable, name, "room is closing, try again");
    }

    /// <summary>A client frame to its room; frames for a room or participant that is gone are ignored.</summary>
    public bool Signal(SignalRequest request) => Find(request.Room)?.Signal(request) ?? true;

    public void Leave(LeaveRequest request) => Find(request.Room)?.Leave(request);

    public RoomReply Request(RoomRequest request)
    {
        switch (request)
        {
            case ListRoomsRequest:
                var list = new List<RoomInfo>(_rooms.Count);
                foreach (var room in _rooms.Values)
                    if (room.Info() is { } info) list.Add(info);
                return new RoomReply(ApiOutcome.Done) { Rooms = list };
            case CreateRoomRequest create:
                if (create.Metadata is { } m && System.Text.Encoding.UTF8.GetByteCount(m) > _options.MaxMetadataBytes)
                    return new RoomReply(ApiOutcome.BadRequest, $"'metadata' is larger than {_options.MaxMetadataBytes} bytes");
                for (var attempt = 0; attempt < 16; attempt++)
                    if (GetOrCreate(create.Room, create.MaxParticipants, create.EmptyTimeout ?? _options.ApiRoomEmptyTimeout, create.Metadata)
                            .Open(create.Hosted, create.Lobby) is { } opened)
                        return new RoomReply(ApiOutcome.Done) { Room = opened };
                return new RoomReply(ApiOutcome.BadRequest, "the room is closing, try again");
            case DeleteRoomRequest delete:
                return Find(delete.Room)?.Handle(request) ?? RoomReply.NoRoom;
            case ListParticipantsRequest r: return Find(r.Room)?.Handle(request) ?? RoomReply.NoRoom;
            case GetParticipantRequest r: return Find(r.Room)?.Handle(request) ?? RoomReply.NoRoom;
            case RemoveParticipantRequest r: return Find(r.Room)?.Handle(request) ?? RoomReply.NoRoom;
            case MuteTrackRequest r: return Find(r.Room)?.Handle(request) ?? RoomReply.NoRoom;
            case KnockRequest r: return Find(r.Room)?.Handle(request) ?? RoomReply.NoRoom;
            case LobbyPollRequest r: return Find(r.Room)?.Handle(request) ?? RoomReply.NoRoom;
            case LobbyLeaveRequest r: return Find(r.Room)?.Handle(request) ?? RoomReply.NoRoom;
            case SendDataRequest r:
                if (Room.ValidateData(r.Data.Payload, r.Data.Encoding, r.Data.Topic) is { } problem) return new RoomReply(ApiOutcome.BadRequest, problem);
                if (System.Text.Encoding.UTF8.GetByteCount(r.Data.Payload!) > _options.MaxDataBytes)
                    return new RoomReply(ApiOutcome.BadRequest, $"'payload' is larger than {_options.MaxDataBytes} bytes");
                return Find(r.Room)?.Handle(request) ?? RoomReply.NoRoom;
            default:
                return new RoomReply(ApiOutcome.BadRequest, $"unknown request {request.GetType().Name}");
        }
    }

    /// <summary>
    /// Server shutdown: from now on joins and resumes are refused (1013, try again later); every connected client is
    /// told to join again (<c>reconnect</c>, close 1012) and all rooms are forgotten, telling nobody in them.
    /// </summary>
    public void Shutdown()
    {
        _draining = true;
        foreach (var room in _rooms.Values) room.Shutdown();
    }

    /// <summary>True once <see cref="Shutdown"/> has begun: this node takes no more joins.</summary>
    public bool Draining => _draining;

    private volatile bool _draining;

    private static JoinReply DrainingReply(RoomName room) =>
        JoinReply.Refused(room, CloseCodes.TryAgainLater, "server restarting: try again in a moment");

    /// <summary>
    /// Gives one room up as a shutdown would (<see cref="Room.Shutdown"/>): every connected client in it is told to join
    /// again (<c>reconnect</c>, close 1012) and the room is forgotten here. A cluster node does this when the same room
    /// turns out to be on a node that keeps it. False when there is no such room.
    /// </summary>
    public bool Move(RoomName name)
    {
        if (Find(name) is not { } room) return false;
        room.Shutdown();
        return true;
    }

    /// <summary>The names of the rooms held here now.</summary>
    public IReadOnlyList<string> RoomNames => [.. _rooms.Keys];

    /// <summary>True when the participant has a live connection, false in its grace period, null when absent.</summary>
    internal bool? IsConnected(RoomName name, string identity) => Find(name)?.IsConnected(identity);

    /// <summary>True while this node holds a room of this name (a distributed router asks before it gives a room's claim up).</summary>
    public bool Holds(RoomName name) => _rooms.ContainsKey(name.Value);

    private Room? Find(RoomName name) => _rooms.GetValueOrDefault(name.Value);

    /// <summary>The room with this name, made with these settings (or the defaults for a join) when there is none.</summary>
    private Room GetOrCreate(RoomName name, int? maxParticipants, TimeSpan? emptyTimeout, string? metadata)
    {
        if (_rooms.TryGetValue(name.Value, out var room)) return room;
        // A room that loses the race is dropped unseen: it raises nothing until it is first used.
        return _rooms.GetOrAdd(name.Value, new Room(name, maxParticipants ?? _options.DefaultMaxParticipants,
            emptyTimeout ?? _options.EmptyTimeout, metadata, _context));
    }
}
