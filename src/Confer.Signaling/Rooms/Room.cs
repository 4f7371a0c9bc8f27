using Confer.Signaling.Protocol;

namespace Confer.Signaling.Rooms;

/// <summary>
/// A room and the participants in it. <see cref="Gate"/> guards all of it, including each participant's
/// state, so the order of events is the same for everyone. <see cref="RoomManager"/> drives it.
/// </summary>
public sealed class Room
{
    private readonly Dictionary<string, Participant> _byIdentity = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Participant> _bySid = new(StringComparer.Ordinal);

    internal Room(RoomName name, int maxParticipants, TimeSpan emptyTimeout, string? metadata, long creationTime)
    {
        Name = name;
        Sid = Sids.Room();
        MaxParticipants = maxParticipants;
        EmptyTimeout = emptyTimeout;
        Metadata = metadata;
        CreationTime = creationTime;
    }

    internal object Gate { get; } = new();
    public RoomName Name { get; }
    public string Sid { get; }
    public int MaxParticipants { get; }
    public TimeSpan EmptyTimeout { get; }
    public string? Metadata { get; }
    public long CreationTime { get; }

    internal bool Closed { get; set; }
    internal ITimer? EmptyTimer { get; set; }
    internal int Count => _byIdentity.Count;
    internal IEnumerable<Participant> Participants => _bySid.Values;

    internal Participant? ByIdentity(string identity) => _byIdentity.GetValueOrDefault(identity);

    /// <summary>A participant by sid or identity (the <c>to</c> field accepts both).</summary>
    internal Participant? Find(string sidOrIdentity) =>
        _bySid.GetValueOrDefault(sidOrIdentity) ?? _byIdentity.GetValueOrDefault(sidOrIdentity);

    internal void Add(Participant p)
    {
        _byIdentity.Add(p.Identity, p);
        _bySid.Add(p.Sid, p);
    }

    internal bool Remove(Participant p) => _bySid.Remove(p.Sid) && _byIdentity.Remove(p.Identity);

    /// <summary>Sends a body to everyone in the room but <paramref name="except"/>.</summary>
    internal void Broadcast(byte[] body, Participant? except)
    {
        foreach (var p in _bySid.Values)
            if (!ReferenceEquals(p, except)) p.Deliver(body);
    }

    internal List<ParticipantInfo> VisibleInfos(Participant? except)
    {
        var list = new List<ParticipantInfo>(_bySid.Count);
        foreach (var p in _bySid.Values)
            if (!p.Hidden && !ReferenceEquals(p, except)) list.Add(p.ToInfo(forSelf: false));
        return list;
    }

    internal RoomInfo ToInfo() => new(Sid, Name.Value, Metadata, MaxParticipants, (int)EmptyTimeout.TotalSeconds, CreationTime, _byIdentity.Count);
}
