using System.Security.Cryptography;
using System.Text;
using Confer.Signaling.Auth;
using Confer.Signaling.Protocol;
using Confer.Signaling.Routing;
using Microsoft.Extensions.Logging;

namespace Confer.Signaling.Rooms;

/// <summary>The outcome of a join or resume: the participant, or a close code and reason.</summary>
public readonly record struct JoinResult(Participant? Participant, int CloseCode, string? Reason);

/// <summary>
/// Joins, resumes and removes participants, and runs the timers (resume grace, empty room). Rooms come
/// from an <see cref="IRoomStore"/>; each room's state changes under that room's lock.
/// </summary>
public sealed partial class RoomManager(IRoomStore store, SignalingOptions options, TimeProvider time, ILogger<RoomManager> log)
{
    public const string ServerVersion = "0.1.0";
    private int _participants;

    public int RoomCount => store.Count;
    public int ParticipantCount => Volatile.Read(ref _participants);
    public SignalingOptions Options => options;
    public TimeProvider Time => time;

    /// <summary>Checks that a validated token may connect to <c>/rtc</c>; null when it may.</summary>
    public static JoinResult? CheckJoinGrant(AccessToken token)
    {
        if (!token.Video.RoomJoin) return Refuse(CloseCodes.PermissionDenied, "permission denied: the token has no roomJoin grant");
        if (!RoomName.IsValid(token.Video.Room)) return Refuse(CloseCodes.PermissionDenied, "permission denied: the token names no room");
        if (string.IsNullOrEmpty(token.Identity) || token.Identity.Length > 256)
            return Refuse(CloseCodes.PermissionDenied, "permission denied: the token has no identity (sub)");
        return null;
    }

    public JoinResult Join(AccessToken token, IParticipantSink sink, IReadOnlyList<IceServer> iceServers)
    {
        if (CheckJoinGrant(token) is { } refused) return refused;
        var name = new RoomName(token.Video.Room!);
        for (var attempt = 0; attempt < 16; attempt++)
        {
            var room = store.GetOrCreate(name, CreateForJoin, out var created);
            if (created) LogRoomCreated(log, name.Value);
            lock (room.Gate)
            {
                if (room.Closed) continue; // lost a race with the empty-room timer; the store has a fresh slot
                var existing = room.ByIdentity(token.Identity!);
                if (room.Count - (existing is null ? 0 : 1) >= room.MaxParticipants)
                {
                    LogRoomFull(log, name.Value, room.MaxParticipants);
                    return Refuse(CloseCodes.RoomFull, $"room full: '{name}' allows {room.MaxParticipants} participants");
                }
                if (existing is not null)
                    RemoveLocked(existing, LeaveReasons.Replaced, CloseCodes.Replaced, "replaced: the same identity joined again");

                var p = new Participant(room, token, time.GetUtcNow().ToUnixTimeMilliseconds(), options.ReplayBuffer);
                room.Add(p);
                Interlocked.Increment(ref _participants);
                room.EmptyTimer?.Dispose();
                room.EmptyTimer = null;
                p.Sink = sink;
                p.Deliver(Frame.Serialize(new JoinMessage(Frame.Version, ServerVersion, room.ToInfo(), p.ToInfo(forSelf: true),
                    room.VisibleInfos(p), iceServers, p.ResumeToken, Seconds(options.PingInterval), Seconds(options.PingTimeout))), replayable: false);
                if (!p.Hidden) room.Broadcast(Frame.Serialize(new ParticipantJoinedMessage(p.ToInfo(forSelf: false))), p);
                LogJoined(log, name.Value, p.Identity, p.Sid);
                return new(p, 0, null);
            }
        }
        return Refuse(CloseCodes.GoingAway, "room is closing, try again");
    }

    public JoinResult Resume(AccessToken token, string resumeToken, long lastSeen, IParticipantSink sink, IReadOnlyList<IceServer> iceServers)
    {
        if (CheckJoinGrant(token) is { } refused) return refused;
        var room = store.Find(new RoomName(token.Video.Room!));
        if (room is null) return Refuse(CloseCodes.ResumeFailed, "resume failed: the session has ended");
        lock (room.Gate)
        {
            var p = room.Closed ? null : room.ByIdentity(token.Identity!);
            if (p is null) return Refuse(CloseCodes.ResumeFailed, "resume failed: the session has ended");
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(p.ResumeToken), Encoding.UTF8.GetBytes(resumeToken)))
                return Refuse(CloseCodes.ResumeFailed, "resume failed: wrong resume token");

            p.Sink?.Close(CloseCodes.Replaced, "replaced: resumed on another connection", null, drain: false);
            p.GraceTimer?.Dispose();
            p.GraceTimer = null;
            p.Sink = sink;
            var missed = new ReplaySink();
            var (count, complete) = p.Replay(lastSeen, missed);
            sink.TrySend(Frame.Local(new ResumedMessage(room.ToInfo(), p.ToInfo(forSelf: true), room.VisibleInfos(p), iceServers,
                p.ResumeToken, count, complete, Seconds(options.PingInterval), Seconds(options.PingTimeout))));
            foreach (var frame in missed.Frames)
                if (!sink.TrySend(frame)) { sink.Close(CloseCodes.SlowConsumer, "slow consumer", null, drain: false); break; }
            LogResumed(log, room.Name.Value, p.Identity, count, complete);
            return new(p, 0, null);
        }
    }

    /// <summary>
    /// A connection ended. With a <paramref name="terminalReason"/> the participant leaves now; without one
    /// (a dropped socket, ping timeout, slow consumer) it waits out the resume grace period.
    /// </summary>
    public void ConnectionEnded(Participant p, IParticipantSink sink, string? terminalReason)
    {
        var room = p.Room;
        lock (room.Gate)
        {
            if (p.Gone || !ReferenceEquals(p.Sink, sink)) return; // already removed, or resumed elsewhere
            if (terminalReason is not null || options.ResumeGrace == TimeSpan.Zero)
            {
                RemoveLocked(p, terminalReason ?? LeaveReasons.Disconnected, null, null);
                return;
            }
            p.Sink = null;
            p.GraceTimer = time.CreateTimer(static s => ((GraceState)s!).Expired(), new GraceState(this, p), options.ResumeGrace, Timeout.InfiniteTimeSpan);
            LogDisconnected(log, room.Name.Value, p.Identity, (int)options.ResumeGrace.TotalSeconds);
        }
    }

    private sealed record GraceState(RoomManager Manager, Participant Participant)
    {
        public void Expired()
        {
            var p = Participant;
            lock (p.Room.Gate)
                if (!p.Gone && p.Sink is null) Manager.RemoveLocked(p, LeaveReasons.Disconnected, null, null);
        }
    }

    /// <summary>Removes a participant, closes its connection when asked, tells the others. Under the room's lock.</summary>
    internal void RemoveLocked(Participant p, string reason, int? closeCode, string? closeReason, bool announce = true)
    {
        var room = p.Room;
        if (p.Gone || !room.Remove(p)) return;
        p.Gone = true;
        Interlocked.Decrement(ref _participants);
        p.GraceTimer?.Dispose();
        p.GraceTimer = null;
        var sink = p.Sink;
        p.Sink = null;
        if (sink is not null && closeCode is { } code)
            sink.Close(code, closeReason ?? reason, Frame.Local(new LeaveMessage(reason, closeReason)), drain: true);
        if (announce && !p.Hidden) room.Broadcast(Frame.Serialize(new ParticipantLeftMessage(p.Sid, p.Identity, reason)), null);
        LogLeft(log, room.Name.Value, p.Identity, reason);
        if (room.Count == 0) ScheduleEmptyLocked(room);
    }

    private void ScheduleEmptyLocked(Room room)
    {
        if (room.Closed) return;
        room.EmptyTimer?.Dispose();
        room.EmptyTimer = null;
        if (room.EmptyTimeout <= TimeSpan.Zero) { CloseLocked(room); return; }
        room.EmptyTimer = time.CreateTimer(static s => ((EmptyState)s!).Expired(), new EmptyState(this, room), room.EmptyTimeout, Timeout.InfiniteTimeSpan);
    }

    private sealed record EmptyState(RoomManager Manager, Room Room)
    {
        public void Expired()
        {
            lock (Room.Gate)
                if (!Room.Closed && Room.Count == 0) Manager.CloseLocked(Room);
        }
    }

    private void CloseLocked(Room room)
    {
        room.Closed = true;
        room.EmptyTimer?.Dispose();
        room.EmptyTimer = null;
        store.Remove(room);
        LogRoomClosed(log, room.Name.Value);
    }

    private Room CreateForJoin(RoomName name) =>
        new(name, options.DefaultMaxParticipants, options.EmptyTimeout, null, time.GetUtcNow().ToUnixTimeMilliseconds());

    private static JoinResult Refuse(int code, string reason) => new(null, code, reason);
    private static int Seconds(TimeSpan t) => (int)Math.Ceiling(t.TotalSeconds);

    /// <summary>Collects replayed frames so the <c>resumed</c> frame, which counts them, goes first.</summary>
    private sealed class ReplaySink : IParticipantSink
    {
        public List<byte[]> Frames { get; } = [];
        public bool TrySend(byte[] frame) { Frames.Add(frame); return true; }
        public void Close(int code, string reason, byte[]? finalFrame, bool drain) { }
    }
}
