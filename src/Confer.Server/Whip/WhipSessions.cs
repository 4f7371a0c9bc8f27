using System.Collections.Concurrent;
using System.Security.Cryptography;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;

namespace Confer.Server.Whip;

/// <summary>One WHIP session: the resource a <c>DELETE</c> ends, and the participant it speaks for.</summary>
internal sealed record WhipSession(string Id, RoomName Room, ParticipantSid Participant, ConnectionId Connection, string Identity);

/// <summary>
/// The WHIP sessions on this node, by resource id (RFC 9725 §4.3: the <c>Location</c> of the 201 names it). The id is
/// 128 random bits, so the resource URL is unguessable. Bounded: past <see cref="MaxSessions"/> a new session is refused.
/// </summary>
internal sealed class WhipSessions
{
    /// <summary>Sessions held at once; each is a participant with a media transport, so the SFU's own limits come first.</summary>
    public const int MaxSessions = 4096;

    private readonly ConcurrentDictionary<string, WhipSession> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public bool TryAdd(WhipSession session) => _sessions.Count < MaxSessions && _sessions.TryAdd(session.Id, session);

    /// <summary>The session of <paramref name="room"/> with this id, taken out; null when there is none.</summary>
    public WhipSession? TryTake(RoomName room, string id) =>
        _sessions.TryGetValue(id, out var s) && s.Room == room && _sessions.TryRemove(new KeyValuePair<string, WhipSession>(id, s)) ? s : null;

    public bool Contains(RoomName room, string id) => _sessions.TryGetValue(id, out var s) && s.Room == room;

    /// <summary>Sessions whose participant the room no longer has (removed by the server API, replaced, the room deleted).</summary>
    public async Task PruneAsync(IRoomRouter router, CancellationToken ct)
    {
        foreach (var session in _sessions.Values.ToList())
        {
            var reply = await router.RequestAsync(new GetParticipantRequest(session.Room, new ParticipantIdentity(session.Identity)), ct);
            if (reply.Participant?.Sid != session.Participant.Value)
                _sessions.TryRemove(new KeyValuePair<string, WhipSession>(session.Id, session));
        }
    }
}
