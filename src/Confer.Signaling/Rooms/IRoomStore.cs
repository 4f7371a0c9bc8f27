namespace Confer.Signaling.Rooms;

/// <summary>
/// Which rooms exist. The seam for scale-out: <see cref="InMemoryRoomStore"/> now; a Redis-backed store
/// later keeps the same few members.
/// </summary>
public interface IRoomStore
{
    /// <summary>The room with this name, made by <paramref name="create"/> when there is none.</summary>
    Room GetOrCreate(RoomName name, Func<RoomName, Room> create, out bool created);
    Room? Find(RoomName name);
    IReadOnlyList<Room> List();
    /// <summary>Removes exactly this room instance (not a newer room with the same name).</summary>
    bool Remove(Room room);
    int Count { get; }
}
