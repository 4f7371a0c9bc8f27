using System.Security.Cryptography;
using System.Text;
using Confer.Signaling.Auth;
using Confer.Signaling.Events;
using Confer.Signaling.Protocol;
using Confer.Signaling.Routing;
using Microsoft.Extensions.Logging;

namespace Confer.Signaling.Rooms;

/// <summary>What a room needs from the node that hosts it.</summary>
internal sealed record RoomContext(SignalingOptions Options, TimeProvider Time, RoomEventQueue Events, ILogger Log, Action<Room> Closed,
    RemovedTokens Removed, Media.IMediaPlane? Media = null)
{
    /// <summary>Seals resume tokens that can make a session again on another node (a cluster); null: random tokens.</summary>
    public ResumeSeal? Seal { get; init; }
}

/// <summary>
/// A room and the participants in it. The room owns all of its state — participants, their tracks and
/// connections, the resume-grace and empty-room timers, whether it is closed — behind one lock, so the
/// order of events is the same for everyone. Callers ask (join, resume, signal, leave, the server API's
/// requests) and the room answers; nobody else holds its participants. Events leave through
/// <see cref="RoomEventQueue"/>, raised under the lock and delivered outside it.
/// </summary>
internal sealed partial class Room
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Participant> _byIdentity = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Participant> _bySid = new(StringComparer.Ordinal);
    private readonly RoomContext _context;
    private readonly SignalingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private ITimer? _emptyTimer;
    private bool _started;
    private bool _closed;
    private int _count;

    public Room(RoomName name, int maxParticipants, TimeSpan emptyTimeout, string? metadata, RoomContext context)
    {
        Name = name;
        Sid = RoomSid.New();
        MaxParticipants = maxParticipants;
        EmptyTimeout = emptyTimeout;
        Metadata = metadata;
        _context = context;
        _options = context.Options;
        _time = context.Time;
        _log = context.Log;
        _onSfu = context.Media is not null && context.Options.Topology != Topologies.Auto;
        CreationTime = _time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    /// <summary>A room made again from a sealed resume token after its node died: the same sid, settings and metadata.</summary>
    public Room(RoomName name, ResumeState restored, RoomContext context)
        : this(name, restored.RoomMaxParticipants, TimeSpan.FromSeconds(restored.RoomEmptyTimeout), restored.RoomMetadata, context)
    {
        Sid = new RoomSid(restored.RoomSid);
        CreationTime = restored.RoomCreationTime;
        (_hosted, _lobby, _locked) = (restored.Hosted, restored.Lobby, restored.Locked);
    }

    public RoomName Name { get; }
    public RoomSid Sid { get; }
    public int MaxParticipants { get; }
    public TimeSpan EmptyTimeout { get; }
    public string? Metadata { get; }
    public long CreationTime { get; }

    /// <summary>Participants now (those in their grace period included); read without the lock.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Opens a room made by the server API: it closes after its empty timeout unless someone joins.
    /// Null when it closed in the meantime.
    /// </summary>
    public RoomInfo? Open(bool hosted = false, bool? lobby = null)
    {
        lock (_gate)
        {
            if (_closed) return null;
            if ((hosted && !_hosted) || (lobby is { } changed && changed != _lobby)) _sealVersion++;
            if (hosted) _hosted = true;
            if (lobby is { } on) _lobby = on;
            if (StartLocked() && _count == 0) ScheduleEmptyLocked();
            return ToInfoLocked();
        }
    }

    /// <summary>Adds a participant for a validated token; null when the room has closed (ask the host for a fresh one).</summary>
    public JoinReply? Join(JoinRequest request, IParticipantSink sink)
    {
        var token = request.Token;
        lock (_gate)
        {
            if (_closed) return null;
            StartLocked();
            var existing = _byIdentity.GetValueOrDefault(token.Identity!);
            if (_count - (existing is null ? 0 : 1) >= MaxParticipants)
            {
                LogRoomFull(_log, Name.Value, MaxParticipants);
                return JoinReply.Refused(Name, CloseCodes.RoomFull, $"room full: '{Name}' allows {MaxParticipants} participants");
            }
            if (existing is not null)
                RemoveLocked(existing, LeaveReasons.Replaced, CloseCodes.Replaced, "replaced: the same identity joined again", replacing: true);

            if (LockedOutLocked(token) is { } lockedOut)
                return JoinReply.Refused(Name, CloseCodes.PermissionDenied, lockedOut);
            EvaluateTopologyLocked(newcomerProtocol: request.Protocol);
            if (_onSfu && request.Protocol < 2)
                return JoinReply.Refused(Name, CloseCodes.PermissionDenied,
                    $"room '{Name}' takes media through Confer's SFU, which this client cannot use (it speaks protocol 1; update it)");
            var p = new Participant(token, _time.GetUtcNow().ToUnixTimeMilliseconds(), _options.ReplayBuffer, _options.ReplayBufferBytes)
            {
                UsesSfu = _onSfu,
                Protocol = request.Protocol,
                IsHost = token.Video.RoomAdmin,
            };
            AddLocked(p);
            p.Attach(request.Connection, sink);
            p.Deliver(Frame.Serialize(new JoinMessage(Frame.Version, RoomManager.ServerVersion, ToInfoLocked(), p.ToInfo(forSelf: true),
                VisibleInfosLocked(p), request.IceServers, p.ResumeToken, Seconds(_options.PingInterval), Seconds(_options.PingTimeout))
                { Topology = TopologyFor(p, request.Protocol) }),
                replayable: false);
            if (!p.Hidden) BroadcastLocked(Frame.Serialize(new ParticipantJoinedMessage(p.ToInfo(forSelf: false))), p);
            Raise(new ParticipantJoined(Name, Sid, Now, p.Sid, p.Identity, p.Hidden, p.Name, p.Metadata));
            LogJoined(_log, Name.Value, p.Identity.Value, p.Sid.Value);
            SyncSubscriptionsLocked(only: p);
            if (p.IsHost && _lobbyGuests.Count > 0) SendLobbyLocked(only: p);
            return new JoinReply(Name, p.Sid);
        }
    }

    /// <summary>
    /// Gives the token's participant a new connection and replays what it missed after <see cref="JoinRequest.LastSeen"/>.
    /// <paramref name="restored"/> is the opened sealed resume token (already checked against the request's room and identity):
    /// it also speaks for the participant here, and makes it again when this room does not have it. Null when the room has
    /// closed and a sealed state could make it again (the caller makes a fresh room).
    /// </summary>
    public JoinReply? Resume(JoinRequest request, IParticipantSink sink, ResumeState? restored = null)
    {
        lock (_gate)
        {
            if (_closed) return restored is null ? JoinReply.Refused(Name, CloseCodes.ResumeFailed, "resume failed: the session has ended") : null;
            var p = _byIdentity.GetValueOrDefault(request.Token.Identity!);
            if (p is null)
                return restored is not null && restored.RoomSid == Sid.Value ? RebuildLocked(request, sink, restored)
                    : JoinReply.Refused(Name, CloseCodes.ResumeFailed, "resume failed: the session has ended");
            var ours = restored is not null ? restored.Sid == p.Sid.Value && restored.RoomSid == Sid.Value
                : CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(p.ResumeToken), Encoding.UTF8.GetBytes(request.ResumeToken ?? ""));
            if (!ours) return JoinReply.Refused(Name, CloseCodes.ResumeFailed, "resume failed: wrong resume token");

            p.ResumedWith = request.Token;
            p.Attach(request.Connection, sink)?.Close(CloseCodes.Replaced, "replaced: resumed on another connection", null, drain: false);
            var (missed, complete) = p.Replay(request.LastSeen);
            if (_context.Seal is not null && p.SealedVersion != _sealVersion) SealLocked(p);
            // The resumed frame, which counts the replayed ones, goes first.
            sink.TrySend(Frame.Local(new ResumedMessage(ToInfoLocked(), p.ToInfo(forSelf: true), VisibleInfosLocked(p), request.IceServers,
                p.ResumeToken, missed.Count, complete, Seconds(_options.PingInterval), Seconds(_options.PingTimeout))
                { Topology = TopologyFor(p, p.Protocol) }));
            foreach (var frame in missed)
                if (!sink.TrySend(frame)) { sink.Close(CloseCodes.SlowConsumer, "slow consumer", null, drain: false); break; }
            Raise(new ParticipantResumed(Name, Sid, Now, p.Sid, p.Identity, missed.Count, complete));
            LogResumed(_log, Name.Value, p.Identity.Value, missed.Count, complete);
            return new JoinReply(Name, p.Sid);
        }
    }

    /// <summary>
    /// A connection ended. With a reason the participant leaves now; without one it waits out the resume
    /// grace period. Ignored when the connection no longer speaks for the participant.
    /// </summary>
    public void Leave(LeaveRequest request)
    {
        lock (_gate)
        {
            if (_bySid.GetValueOrDefault(request.Participant.Value) is not { } p || !p.Owns(request.Connection)) return;
            if (request.Reason is not null || _options.ResumeGrace == TimeSpan.Zero || p.Ingest)
            {
                RemoveLocked(p, request.Reason ?? LeaveReasons.Disconnected, null, null);
                return;
            }
            p.Detach(_time.CreateTimer(static s => ((GraceState)s!).Expired(), new GraceState(this, p), _options.ResumeGrace, Timeout.InfiniteTimeSpan));
            LogDisconnected(_log, Name.Value, p.Identity.Value, (int)_options.ResumeGrace.TotalSeconds);
        }
    }

    /// <summary>True when the participant has a live connection, false in its grace period, null when absent.</summary>
    public bool? IsConnected(string identity)
    {
        lock (_gate)
            return _byIdentity.GetValueOrDefault(identity)?.Connected;
    }

    /// <summary>
    /// Server shutdown (a restart, a drain): tells every connected client to join again (<c>reconnect</c>, then close 1012)
    /// and ends the room, telling nobody that the others left: they all come back together.
    /// </summary>
    public void Shutdown()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true; // no empty-room timer while everyone is removed
            foreach (var p in _bySid.Values.ToList())
            {
                // A spread of first attempts, so a full server's clients do not all knock at once.
                var reconnect = Frame.Local(new ReconnectMessage(ReconnectReasons.ServerRestart, RestartText, Random.Shared.Next(ReconnectSpreadMs)));
                RemoveLocked(p, LeaveReasons.Disconnected, CloseCodes.ServiceRestart, RestartText, announce: false, final: reconnect);
            }
            CloseLocked();
        }
    }

    /// <summary>The close reason (and <c>reconnect.message</c>) of a shutdown.</summary>
    public const string RestartText = "server restarting: join again";

    /// <summary><c>reconnect.delay</c> is drawn from 0 to this many milliseconds.</summary>
    public const int ReconnectSpreadMs = 2000;

    private sealed record GraceState(Room Room, Participant Participant)
    {
        public void Expired()
        {
            lock (Room._gate)
                if (!Participant.Gone && !Participant.Connected) Room.RemoveLocked(Participant, LeaveReasons.Disconnected, null, null);
        }
    }

    /// <summary>Removes a participant, closes its connection when asked, tells the others.</summary>
    private void RemoveLocked(Participant p, string reason, int? closeCode, string? closeReason, bool announce = true, bool replacing = false,
        OutboundFrame? final = null)
    {
        if (p.Gone || !_bySid.Remove(p.Sid.Value) || !_byIdentity.Remove(p.Identity.Value)) return;
        Volatile.Write(ref _count, _byIdentity.Count);
        DepartedLocked(p.Sid);
        var sink = p.End();
        if (sink is not null && closeCode is { } code)
            sink.Close(code, closeReason ?? reason, final ?? Frame.Local(new LeaveMessage(reason, closeReason)), drain: true);
        if (announce && !p.Hidden) BroadcastLocked(Frame.Serialize(new ParticipantLeftMessage(p.Sid.Value, p.Identity.Value, reason)), null);
        Raise(new ParticipantLeft(Name, Sid, Now, p.Sid, p.Identity, reason));
        LogLeft(_log, Name.Value, p.Identity.Value, reason);
        RemoveMediaLocked(p);
        if (_count == 0 && !replacing) ScheduleEmptyLocked();
        if (!replacing) EvaluateTopologyLocked();
    }

    private void ScheduleEmptyLocked()
    {
        if (_closed) return;
        StopEmptyTimerLocked();
        if (EmptyTimeout <= TimeSpan.Zero) { _closed = true; CloseLocked(); return; }
        _emptyTimer = _time.CreateTimer(static s => ((Room)s!).EmptyExpired(), this, EmptyTimeout, Timeout.InfiniteTimeSpan);
    }

    private void EmptyExpired()
    {
        lock (_gate)
        {
            if (_closed || _count != 0) return;
            _closed = true;
            CloseLocked();
        }
    }

    /// <summary>The room has ended (<see cref="_closed"/> is set): the host forgets it and observers hear of it.</summary>
    private void CloseLocked()
    {
        StopEmptyTimerLocked();
        StopTopologyTimersLocked();
        StopLobbyTimerLocked();
        _context.Closed(this);
        if (_started) Raise(new RoomFinished(Name, Sid, Now));
        LogRoomClosed(_log, Name.Value);
    }

    private void StopEmptyTimerLocked()
    {
        _emptyTimer?.Dispose();
        _emptyTimer = null;
    }

    /// <summary>Raises <see cref="RoomStarted"/> before anything else this room does; true the first time.</summary>
    private bool StartLocked()
    {
        if (_started) return false;
        _started = true;
        Raise(new RoomStarted(Name, Sid, Now, EmptyTimeout, MaxParticipants, Metadata));
        LogRoomCreated(_log, Name.Value);
        return true;
    }

    /// <summary>Sends a body to everyone in the room but <paramref name="except"/>.</summary>
    private void BroadcastLocked(byte[] body, Participant? except)
    {
        foreach (var p in _bySid.Values)
            if (!ReferenceEquals(p, except)) p.Deliver(body);
    }

    private List<ParticipantInfo> VisibleInfosLocked(Participant? except)
    {
        var list = new List<ParticipantInfo>(_bySid.Count);
        foreach (var p in _bySid.Values)
            if (!p.Hidden && !ReferenceEquals(p, except)) list.Add(p.ToInfo(forSelf: false));
        return list;
    }

    /// <summary>Puts a new (or made again) participant into the room's tables and gives it its resume token.</summary>
    private void AddLocked(Participant p)
    {
        _byIdentity.Add(p.Identity.Value, p);
        _bySid.Add(p.Sid.Value, p);
        Volatile.Write(ref _count, _byIdentity.Count);
        StopEmptyTimerLocked();
        SealLocked(p);
    }

    private RoomInfo ToInfoLocked() =>
        new(Sid.Value, Name.Value, Metadata, MaxParticipants, (int)EmptyTimeout.TotalSeconds, CreationTime, _byIdentity.Count)
        {
            Locked = _locked ? true : null,
            Lobby = _lobby ? true : null,
        };

    private void Raise(RoomEvent e) => _context.Events.Raise(e);
    private DateTimeOffset Now => _time.GetUtcNow();
    private static int Seconds(TimeSpan t) => (int)Math.Ceiling(t.TotalSeconds);
}
