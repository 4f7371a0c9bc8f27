using Confer.Signaling.Protocol;
using Confer.Signaling.Routing;
using Microsoft.Extensions.Logging;

namespace Confer.Signaling.Rooms;

/// <summary>
/// Guests who come through a hosted room's link (docs/protocol.md, "Hosts, the lobby and moderation"). The server's join
/// endpoint knocks for them; the room says enter, wait, or why not. Waiting guests are listed to every host in the room
/// (<c>lobby</c> frames) until a host admits or denies them, or they stop asking (<see cref="LobbyPatience"/>). Someone a
/// host removed, or the API removed, waits in the lobby next time even when the room has none; a locked room lets in
/// hosts only, and guests a host admitted (for <see cref="PassLifetime"/>, time enough to connect).
/// </summary>
internal sealed partial class Room
{
    /// <summary>Guests waiting at once; past it a knock is refused as full.</summary>
    internal const int MaxLobby = 50;
    /// <summary>Removed identities remembered (oldest forgotten first).</summary>
    internal const int MaxRemembered = 1024;
    internal static readonly TimeSpan LobbyPatience = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan PassLifetime = TimeSpan.FromMinutes(2);

    private readonly Dictionary<string, LobbyGuest> _lobbyGuests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _passes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _forbidden = new(StringComparer.Ordinal);
    private readonly Queue<string> _forbiddenOrder = new();
    private ITimer? _lobbyTimer;
    private bool _hosted, _lobby, _locked;

    private sealed class LobbyGuest(string ticket, ParticipantIdentity identity, string name, DateTimeOffset since)
    {
        public string Ticket { get; } = ticket;
        /// <summary>What hosts name the guest by (the ticket is the guest's own secret).</summary>
        public string Id { get; } = "LB_" + Sids.Random(12);
        public ParticipantIdentity Identity { get; } = identity;
        public string Name { get; } = name;
        public DateTimeOffset Since { get; } = since;
        public DateTimeOffset LastSeen { get; set; } = since;
        public KnockOutcome State { get; set; } = KnockOutcome.Wait;
    }

    private KnockResult KnockLocked(ParticipantIdentity identity, string name)
    {
        if (!_hosted) return new KnockResult(KnockOutcome.Unknown);
        if (_locked && !HasPassLocked(identity.Value)) return new KnockResult(KnockOutcome.Locked);
        if (!_lobby && !_forbidden.Contains(identity.Value)) return new KnockResult(KnockOutcome.Enter, null, identity, name);
        PruneLobbyLocked();
        // The same guest knocking again (a reload) keeps its place.
        foreach (var g in _lobbyGuests.Values)
            if (g.State == KnockOutcome.Wait && g.Identity == identity)
            {
                g.LastSeen = Now;
                return new KnockResult(KnockOutcome.Wait, g.Ticket);
            }
        if (_lobbyGuests.Count >= MaxLobby) return new KnockResult(KnockOutcome.Full);
        var guest = new LobbyGuest(Sids.Random(24), identity, name, Now);
        _lobbyGuests.Add(guest.Ticket, guest);
        LogLobbyKnock(_log, Name.Value, identity.Value);
        SendLobbyLocked();
        _lobbyTimer ??= _time.CreateTimer(static s => ((Room)s!).LobbyTick(), this, LobbyPatience / 3, LobbyPatience / 3);
        return new KnockResult(KnockOutcome.Wait, guest.Ticket);
    }

    private KnockResult PollLocked(string ticket)
    {
        PruneLobbyLocked();
        if (!_lobbyGuests.TryGetValue(ticket, out var g)) return new KnockResult(KnockOutcome.Unknown);
        g.LastSeen = Now;
        if (g.State == KnockOutcome.Wait) return new KnockResult(KnockOutcome.Wait, ticket);
        _lobbyGuests.Remove(ticket);
        return g.State == KnockOutcome.Enter ? new KnockResult(KnockOutcome.Enter, null, g.Identity, g.Name) : new KnockResult(g.State);
    }

    /// <summary>The guest with <paramref name="ticket"/> stops waiting; true when it was waiting (hosts are told).</summary>
    private bool LeaveLobbyLocked(string ticket)
    {
        if (!_lobbyGuests.Remove(ticket, out var g)) return false;
        if (g.State == KnockOutcome.Wait) SendLobbyLocked();
        return true;
    }

    /// <summary>A host's <c>admit</c> or <c>deny</c>.</summary>
    private bool DecideLocked(Participant host, ClientMessage m, bool admit)
    {
        var g = string.IsNullOrEmpty(m.Guest) ? null : _lobbyGuests.Values.FirstOrDefault(x => x.Id == m.Guest && x.State == KnockOutcome.Wait);
        if (g is null)
            return Error(host, m, ErrorCodes.InvalidMessage, $"{m.Type} needs the 'guest' id of someone waiting in the lobby");
        g.State = admit ? KnockOutcome.Enter : KnockOutcome.Denied;
        g.LastSeen = Now; // the guest's next poll picks it up
        if (admit)
        {
            _passes[g.Identity.Value] = Now + PassLifetime;
            _forbidden.Remove(g.Identity.Value);
        }
        LogLobbyDecision(_log, Name.Value, g.Identity.Value, admit ? "admitted" : "denied", host.Identity.Value);
        SendLobbyLocked();
        return true;
    }

    /// <summary>Lets nobody in as <paramref name="identity"/> without a host admitting them (a removed participant).</summary>
    private void ForbidLocked(ParticipantIdentity identity)
    {
        if (!_forbidden.Add(identity.Value)) return;
        _forbiddenOrder.Enqueue(identity.Value);
        _passes.Remove(identity.Value);
        while (_forbiddenOrder.Count > MaxRemembered) _forbidden.Remove(_forbiddenOrder.Dequeue());
    }

    /// <summary>Why a join with this token is refused by the room's lock or a removal; null when it may join.</summary>
    private string? LockedOutLocked(Auth.AccessToken token)
    {
        if (token.Video.RoomAdmin) return null;
        var identity = token.Identity!;
        if (HasPassLocked(identity)) return null;
        if (_forbidden.Contains(identity)) return "removed: a host removed you from this meeting; ask to join again through its link";
        return _locked ? $"locked: the meeting '{Name}' is locked; ask a host to unlock it" : null;
    }

    private bool HasPassLocked(string identity)
    {
        if (!_passes.TryGetValue(identity, out var until)) return false;
        if (until > Now) return true;
        _passes.Remove(identity);
        return false;
    }

    private void LobbyTick()
    {
        lock (_gate)
        {
            if (PruneLobbyLocked()) SendLobbyLocked();
            if (_lobbyGuests.Count == 0 || _closed)
            {
                _lobbyTimer?.Dispose();
                _lobbyTimer = null;
            }
        }
    }

    /// <summary>Forgets guests who stopped asking and decisions nobody picked up; true when the waiting list changed.</summary>
    private bool PruneLobbyLocked()
    {
        var changed = false;
        var cutoff = Now - LobbyPatience;
        foreach (var g in _lobbyGuests.Values.ToList())
            if (g.LastSeen < cutoff)
            {
                _lobbyGuests.Remove(g.Ticket);
                changed |= g.State == KnockOutcome.Wait;
            }
        return changed;
    }

    /// <summary>Tells every host who is waiting now.</summary>
    private void SendLobbyLocked(Participant? only = null)
    {
        var body = Frame.Serialize(new LobbyMessage(LobbyInfosLocked()));
        foreach (var p in only is null ? _bySid.Values.ToList() : [only])
            if (p.IsHost) p.Deliver(body);
    }

    private List<LobbyGuestInfo> LobbyInfosLocked() =>
        [.. _lobbyGuests.Values.Where(g => g.State == KnockOutcome.Wait).OrderBy(g => g.Since)
            .Select(g => new LobbyGuestInfo(g.Id, g.Name, g.Since.ToUnixTimeMilliseconds()))];

    private void StopLobbyTimerLocked()
    {
        _lobbyTimer?.Dispose();
        _lobbyTimer = null;
    }

    [LoggerMessage(EventId = 140, Level = LogLevel.Information, Message = "Room {Room}: {Identity} waits in the lobby")]
    private static partial void LogLobbyKnock(ILogger logger, string room, string identity);

    [LoggerMessage(EventId = 141, Level = LogLevel.Information, Message = "Room {Room}: {Identity} {Decision} by {Host}")]
    private static partial void LogLobbyDecision(ILogger logger, string room, string identity, string decision, string host);
}
