using System.Collections.Concurrent;

namespace Confer.Signaling.Rooms;

/// <summary>The default <see cref="IRoomStore"/>: rooms live in this process.</summary>
public sealed class InMemoryRoomStore : IRoomStore
{
    private readonly ConcurrentDictionary<string, Room> _rooms = new(StringComparer.Ordinal);

    public int Count => _rooms.Count;

    public Room GetOrCreate(RoomName name, Func<RoomName, Room> create, out bool created)
    {
        if (_rooms.TryGetValue(name.Value, out var room)) { created = false; return room; }
        var fresh = create(name);
        room = _rooms.GetOrAdd(name.Value, fresh);
        created = ReferenceEquals(room, fresh);
        return room;
    }

    public Room? Find(RoomName name) => _rooms.GetValueOrDefault(name.Value);

    public IReadOnlyList<Room> List() => [.. _rooms.Values];

    public bool Remove(Room room) => _rooms.TryRemove(new KeyValuePair<string, Room>(room.Name.Value, room));
}
