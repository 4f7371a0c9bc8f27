using System.Collections.Frozen;
using System.Text.Json;
using Confer.Signaling.Auth;
using Confer.Signaling.Protocol;
using Confer.Signaling.Rooms;
using Confer.Signaling.Routing;

namespace Confer.Cluster.Forwarding;

/// <summary>
/// How the router's messages cross between nodes: as JSON, so the signaling records stay free of Orleans. A join
/// carries the validated token (both nodes trust it: they share the API keys), the ICE servers the socket's node
/// minted, and the resume state; a client frame is the protocol's own JSON; a server-API request is its record by
/// type name.
/// </summary>
internal static class Wire
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General);

    private static readonly FrozenDictionary<string, Type> Requests = new[]
    {
        typeof(ListRoomsRequest), typeof(CreateRoomRequest), typeof(DeleteRoomRequest), typeof(ListParticipantsRequest),
        typeof(GetParticipantRequest), typeof(RemoveParticipantRequest), typeof(MuteTrackRequest), typeof(SendDataRequest),
        typeof(KnockRequest), typeof(LobbyPollRequest), typeof(LobbyLeaveRequest),
    }.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>A join as the room's node needs it (its connection id is the room's node's own).</summary>
    private sealed record JoinWire(AccessToken Token, IReadOnlyList<IceServer> IceServers, string? ResumeToken, long LastSeen, int Protocol);

    private sealed record JoinReplyWire(string Room, string? Participant, int CloseCode, string? Reason);

    public static byte[] Join(JoinRequest r) =>
        JsonSerializer.SerializeToUtf8Bytes(new JoinWire(r.Token, r.IceServers, r.ResumeToken, r.LastSeen, r.Protocol), Options);

    public static JoinRequest Join(byte[] json, ConnectionId connection)
    {
        var w = JsonSerializer.Deserialize<JoinWire>(json, Options) ?? throw new InvalidDataException("an empty join");
        return new JoinRequest(w.Token, connection, w.IceServers, w.ResumeToken, w.LastSeen) { Protocol = w.Protocol };
    }

    /// <summary>A validated token, for a request the receiving node serves without checking it again (a WHIP offer).</summary>
    public static byte[] Token(AccessToken token) => JsonSerializer.SerializeToUtf8Bytes(token, Options);

    public static AccessToken Token(byte[] json) => JsonSerializer.Deserialize<AccessToken>(json, Options) ?? throw new InvalidDataException("an empty token");

    public static byte[] Reply(JoinReply r) =>
        JsonSerializer.SerializeToUtf8Bytes(new JoinReplyWire(r.Room.Value, r.Participant?.Value, r.CloseCode, r.Reason), Options);

    public static JoinReply Reply(byte[] json)
    {
        var w = JsonSerializer.Deserialize<JoinReplyWire>(json, Options) ?? throw new InvalidDataException("an empty join reply");
        return new JoinReply(new RoomName(w.Room), w.Participant is { } p ? new ParticipantSid(p) : null, w.CloseCode, w.Reason);
    }

    public static byte[] Message(ClientMessage m) => JsonSerializer.SerializeToUtf8Bytes(m, ProtocolJsonContext.Default.ClientMessage);

    public static ClientMessage Message(byte[] json) =>
        JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.ClientMessage) ?? throw new InvalidDataException("an empty client frame");

    public static byte[] Request(RoomRequest r) => JsonSerializer.SerializeToUtf8Bytes(r, r.GetType(), Options);

    /// <summary>The request, or null for a type this node does not know (a newer node's request).</summary>
    public static RoomRequest? Request(string type, byte[] json) =>
        Requests.TryGetValue(type, out var t) ? (RoomRequest?)JsonSerializer.Deserialize(json, t, Options) : null;

    public static byte[] Answer(RoomReply r) => JsonSerializer.SerializeToUtf8Bytes(r, Options);

    public static RoomReply Answer(byte[] json) =>
        JsonSerializer.Deserialize<RoomReply>(json, Options) ?? throw new InvalidDataException("an empty room reply");

    /// <summary>The room a server-API request is about; null for one about no single room (list rooms).</summary>
    public static RoomName? RoomOf(RoomRequest r) => r switch
    {
        CreateRoomRequest x => x.Room,
        DeleteRoomRequest x => x.Room,
        ListParticipantsRequest x => x.Room,
        GetParticipantRequest x => x.Room,
        RemoveParticipantRequest x => x.Room,
        MuteTrackRequest x => x.Room,
        SendDataRequest x => x.Room,
        KnockRequest x => x.Room,
        LobbyPollRequest x => x.Room,
        LobbyLeaveRequest x => x.Room,
        _ => null,
    };
}
