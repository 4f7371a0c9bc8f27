using Confer.Signaling.Events;
using Confer.Signaling.Protocol;
using Confer.Signaling.Routing;
using Microsoft.Extensions.Logging;

namespace Confer.Signaling.Rooms;

/// <summary>
/// Sealed resume tokens (a cluster only, <see cref="RoomContext.Seal"/>): each participant's token carries what is needed to
/// make it, and its room, again on a node that never knew them (docs/scale-out.md, "Failover"). The room reseals a token when
/// what it carries changes and sends it in a <c>session</c> frame; a resume that brings such a token for a participant
/// this room does not have makes the participant again with its old sid.
/// </summary>
internal sealed partial class Room
{
    /// <summary>Participant sids that left this room, so an old sealed token cannot bring them back (the oldest forgotten first).</summary>
    private const int DepartedKept = 4096;

    private readonly HashSet<string> _departed = new(StringComparer.Ordinal);
    private readonly Queue<string> _departedOrder = new();

    /// <summary>Bumped when room state a sealed token carries changes (locked, lobby, hosted): tokens are resealed at the next ping.</summary>
    private int _sealVersion;

    /// <summary>Seals the participant's state into its resume token (nothing without a seal, or when it is too large to seal).</summary>
    private void SealLocked(Participant p)
    {
        if (_context.Seal is not { } seal) return;
        var now = _time.GetUtcNow();
        var state = new ResumeState(Name.Value, Sid.Value, Metadata, MaxParticipants, (int)EmptyTimeout.TotalSeconds, CreationTime,
            _hosted, _lobby, _locked, p.Sid.Value, p.Identity.Value, p.Name, p.Metadata, p.IsHost, p.JoinedAt,
            (now + ResumeSeal.Lifetime).ToUnixTimeMilliseconds());
        if (seal.Seal(state) is not { } token)
        {
            LogNotSealed(_log, Name.Value, p.Identity.Value, ResumeSeal.MaxPlainBytes);
            return;
        }
        p.ResumeToken = token;
        p.SealedAt = now.ToUnixTimeMilliseconds();
        p.SealedVersion = _sealVersion;
    }

    /// <summary>What the participant's token carries changed: a fresh token to its connection now.</summary>
    private void ResealLocked(Participant p)
    {
        if (_context.Seal is null) return;
        SealLocked(p);
        p.DeliverLocal(Frame.Local(new SessionMessage(p.ResumeToken)));
    }

    /// <summary>At a ping: a fresh token when the room's sealed state changed or half of the token's lifetime has gone.</summary>
    private void RefreshSealLocked(Participant p)
    {
        if (_context.Seal is null) return;
        var age = _time.GetUtcNow().ToUnixTimeMilliseconds() - p.SealedAt;
        if (p.SealedVersion != _sealVersion || age > ResumeSeal.Lifetime.TotalMilliseconds / 2) ResealLocked(p);
    }

    private void DepartedLocked(ParticipantSid sid)
    {
        if (_context.Seal is null || !_departed.Add(sid.Value)) return;
        _departedOrder.Enqueue(sid.Value);
        if (_departedOrder.Count > DepartedKept) _departed.Remove(_departedOrder.Dequeue());
    }

    /// <summary>
    /// A resume with a sealed token for a participant this room does not have (its node died with the room): the participant
    /// comes back with its old sid, name, metadata and host role, without tracks; it is told so (<c>rebuilt</c>) and the
    /// others see it join.
    /// </summary>
    private JoinReply RebuildLocked(JoinRequest request, IParticipantSink sink, ResumeState restored)
    {
        if (_departed.Contains(restored.Sid) || _bySid.ContainsKey(restored.Sid))
            return JoinReply.Refused(Name, CloseCodes.ResumeFailed, "resume failed: the session has ended");
        StartLocked();
        if (_count >= MaxParticipants)
            return RefusedLocked(CloseCodes.RoomFull, $"room full: '{Name}' allows {MaxParticipants} participants");
        EvaluateTopologyLocked(newcomerProtocol: request.Protocol);
        if (_onSfu && request.Protocol < 2)
            return RefusedLocked(CloseCodes.PermissionDenied,
                $"room '{Name}' takes media through Confer's SFU, which this client cannot use (it speaks protocol 1; update it)");
        var p = new Participant(request.Token, restored, request.LastSeen, _options.ReplayBuffer, _options.ReplayBufferBytes)
        {
            UsesSfu = _onSfu,
            Protocol = request.Protocol,
            IsHost = restored.Host || request.Token.Video.RoomAdmin,
        };
        AddLocked(p);
        p.Attach(request.Connection, sink);
        sink.TrySend(Frame.Local(new ResumedMessage(ToInfoLocked(), p.ToInfo(forSelf: true), VisibleInfosLocked(p), request.IceServers,
            p.ResumeToken, 0, false, Seconds(_options.PingInterval), Seconds(_options.PingTimeout))
            { Topology = TopologyFor(p, request.Protocol), Rebuilt = true }));
        if (!p.Hidden) BroadcastLocked(Frame.Serialize(new ParticipantJoinedMessage(p.ToInfo(forSelf: false))), p);
        Raise(new ParticipantJoined(Name, Sid, Now, p.Sid, p.Identity, p.Hidden, p.Name, p.Metadata));
        LogRebuilt(_log, Name.Value, p.Identity.Value, p.Sid.Value);
        SyncSubscriptionsLocked(only: p);
        if (p.IsHost && _lobbyGuests.Count > 0) SendLobbyLocked(only: p);
        return new JoinReply(Name, p.Sid);
    }

    /// <summary>A refused rebuild; a room made for it that stays empty closes after its empty timeout.</summary>
    private JoinReply RefusedLocked(int code, string reason)
    {
        if (_count == 0) ScheduleEmptyLocked();
        return JoinReply.Refused(Name, code, reason);
    }

    [LoggerMessage(EventId = 118, Level = LogLevel.Information, Message = "{Identity} ({Sid}) in {Room} was made again from its sealed resume token")]
    private static partial void LogRebuilt(ILogger logger, string room, string identity, string sid);

    [LoggerMessage(EventId = 119, Level = LogLevel.Warning,
        Message = "{Identity} in {Room}: its state is over {Bytes} bytes, too large for a sealed resume token; after a failover it joins afresh")]
    private static partial void LogNotSealed(ILogger logger, string room, string identity, int bytes);
}
