using Confer.Signaling.Protocol;

namespace Confer.Signaling.Rooms;

/// <summary>What the server API asks of a participant operation.</summary>
public enum ApiOutcome { Done, NoRoom, NoParticipant, NoTrack, BadRequest }

public sealed partial class RoomManager
{
    public IReadOnlyList<RoomInfo> ListRooms()
    {
        var list = new List<RoomInfo>();
        foreach (var room in store.List())
            lock (room.Gate)
                if (!room.Closed) list.Add(room.ToInfo());
        return list;
    }

    /// <summary>Creates a room (or returns the existing one) that closes after its empty timeout if nobody joins.</summary>
    public RoomInfo CreateRoom(RoomName name, int? maxParticipants, TimeSpan? emptyTimeout, string? metadata)
    {
        for (var attempt = 0; ; attempt++)
        {
            var room = store.GetOrCreate(name, n => new Room(n, maxParticipants ?? options.DefaultMaxParticipants,
                emptyTimeout ?? options.ApiRoomEmptyTimeout, metadata, time.GetUtcNow().ToUnixTimeMilliseconds()), out var created);
            lock (room.Gate)
            {
                if (room.Closed && attempt < 16) continue;
                if (created)
                {
                    LogRoomCreated(log, name.Value);
                    ScheduleEmptyLocked(room);
                }
                return room.ToInfo();
            }
        }
    }

    public bool DeleteRoom(RoomName name)
    {
        var room = store.Find(name);
        if (room is null) return false;
        lock (room.Gate)
        {
            if (room.Closed) return false;
            room.Closed = true; // no empty-room timer while everyone is removed
            foreach (var p in room.Participants.ToList())
                RemoveLocked(p, LeaveReasons.RoomDeleted, CloseCodes.RoomDeleted, "room deleted", announce: false);
            room.EmptyTimer?.Dispose();
            room.EmptyTimer = null;
            store.Remove(room);
            LogRoomClosed(log, name.Value);
        }
        return true;
    }

    /// <summary>Everyone in the room, hidden participants included; null when there is no such room.</summary>
    public IReadOnlyList<ParticipantInfo>? ListParticipants(RoomName name)
    {
        var room = store.Find(name);
        if (room is null) return null;
        lock (room.Gate)
            return room.Closed ? null : [.. room.Participants.Select(p => p.ToInfo(forSelf: false))];
    }

    public ParticipantInfo? GetParticipant(RoomName name, string identity)
    {
        var room = store.Find(name);
        if (room is null) return null;
        lock (room.Gate)
            return room.Closed ? null : room.ByIdentity(identity)?.ToInfo(forSelf: false);
    }

    /// <summary>True when the participant has a live connection, false in its grace period, null when absent.</summary>
    internal bool? IsConnected(RoomName name, string identity)
    {
        var room = store.Find(name);
        if (room is null) return null;
        lock (room.Gate)
            return room.ByIdentity(identity) is { } p ? p.Sink is not null : null;
    }

    public ApiOutcome RemoveParticipant(RoomName name, string identity)
    {
        var room = store.Find(name);
        if (room is null) return ApiOutcome.NoRoom;
        lock (room.Gate)
        {
            if (room.Closed) return ApiOutcome.NoRoom;
            if (room.ByIdentity(identity) is not { } p) return ApiOutcome.NoParticipant;
            RemoveLocked(p, LeaveReasons.Removed, CloseCodes.Removed, "removed by the server API");
            return ApiOutcome.Done;
        }
    }

    public (ApiOutcome Outcome, TrackInfo? Track) MuteTrack(RoomName name, string identity, string trackSid, bool muted)
    {
        var room = store.Find(name);
        if (room is null) return (ApiOutcome.NoRoom, null);
        lock (room.Gate)
        {
            if (room.Closed) return (ApiOutcome.NoRoom, null);
            if (room.ByIdentity(identity) is not { } p) return (ApiOutcome.NoParticipant, null);
            if (!SetMutedLocked(p, trackSid, muted)) return (ApiOutcome.NoTrack, null);
            return (ApiOutcome.Done, p.Tracks[trackSid] with { Cid = null });
        }
    }

    public (ApiOutcome Outcome, string? Problem) SendData(RoomName name, ApiSendData data)
    {
        if (ValidateData(data.Payload, data.Encoding, data.Topic) is { } problem) return (ApiOutcome.BadRequest, problem);
        var room = store.Find(name);
        if (room is null) return (ApiOutcome.NoRoom, null);
        var body = Frame.Serialize(new DataMessage(null, null, data.Payload!, data.Encoding ?? "text", data.Topic, true));
        lock (room.Gate)
        {
            if (room.Closed) return (ApiOutcome.NoRoom, null);
            var unknown = DeliverDataLocked(room, body, null, data.DestinationIdentities);
            return unknown is null ? (ApiOutcome.Done, null) : (ApiOutcome.NoParticipant, $"no participant '{unknown}'");
        }
    }
}
