using Confer.Signaling.Auth;
using Confer.Signaling.Protocol;
using Confer.Signaling.Rooms;

namespace Confer.Signaling.Routing;

/// <summary>One connection on this node; rooms take frames only from the connection that owns a participant.</summary>
public readonly record struct ConnectionId(long Value)
{
    private static long _last;
    public static ConnectionId Next() => new(Interlocked.Increment(ref _last));
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Join the token's room (a validated token: <see cref="RoomManager.CheckJoinGrant"/> holds), or resume
/// the token's identity there when <see cref="ResumeToken"/> is set, replaying frames after <see cref="LastSeen"/>.
/// </summary>
public sealed record JoinRequest(AccessToken Token, ConnectionId Connection, IReadOnlyList<IceServer> IceServers,
    string? ResumeToken = null, long LastSeen = 0)
{
    /// <summary>The protocol the client speaks (<c>&amp;protocol=2</c>): 2 can take media through the SFU.</summary>
    public int Protocol { get; init; } = 1;

    public RoomName Room => new(Token.Video.Room ?? "");
}

/// <summary>The participant the connection now speaks for, or the close code and reason it is refused with.</summary>
public sealed record JoinReply(RoomName Room, ParticipantSid? Participant, int CloseCode = 0, string? Reason = null)
{
    public static JoinReply Refused(RoomName room, int code, string reason) => new(room, null, code, reason);
}

/// <summary>A client frame from <see cref="Participant"/>'s connection to its room.</summary>
public sealed record SignalRequest(RoomName Room, ParticipantSid Participant, ConnectionId Connection, ClientMessage Message);

/// <summary>
/// The connection ended. With a <see cref="Reason"/> (a <c>participantLeft.reason</c>) the participant
/// leaves now; without one (a dropped socket, ping timeout, slow consumer) it may resume within the grace period.
/// </summary>
public sealed record LeaveRequest(RoomName Room, ParticipantSid Participant, ConnectionId Connection, string? Reason);

/// <summary>A server-API operation (docs/protocol.md, "Server API"); answered by a <see cref="RoomReply"/>.</summary>
public abstract record RoomRequest;

public sealed record ListRoomsRequest : RoomRequest;
public sealed record CreateRoomRequest(RoomName Room, int? MaxParticipants, TimeSpan? EmptyTimeout, string? Metadata) : RoomRequest
{
    /// <summary>Opened by a signed-in host (the meeting app): guests may then ask to join through its link.</summary>
    public bool Hosted { get; init; }

    /// <summary>With <see cref="Hosted"/>: whether guests wait in the lobby (null leaves an existing room's setting).</summary>
    public bool? Lobby { get; init; }
}

/// <summary>
/// A guest with the meeting link asks to join a hosted room as <see cref="Identity"/>: the reply's <see cref="RoomReply.Knock"/>
/// says enter now, wait in the lobby (with a ticket to ask again), or why not.
/// </summary>
public sealed record KnockRequest(RoomName Room, ParticipantIdentity Identity, string Name) : RoomRequest;

/// <summary>A waiting guest asks how its <see cref="Ticket"/> stands (and so shows it is still there).</summary>
public sealed record LobbyPollRequest(RoomName Room, string Ticket) : RoomRequest;

/// <summary>A waiting guest stops waiting (Cancel on the waiting page): hosts no longer see it in the lobby.</summary>
public sealed record LobbyLeaveRequest(RoomName Room, string Ticket) : RoomRequest;

/// <summary>What a knock or a lobby poll came to.</summary>
public enum KnockOutcome { Enter, Wait, Denied, Locked, Full, Unknown }

/// <summary>The answer to a <see cref="KnockRequest"/> or <see cref="LobbyPollRequest"/>: the identity and name to mint a token for when it is <see cref="KnockOutcome.Enter"/>.</summary>
public sealed record KnockResult(KnockOutcome Outcome, string? Ticket = null, ParticipantIdentity? Identity = null, string? Name = null);
public sealed record DeleteRoomRequest(RoomName Room) : RoomRequest;
public sealed record ListParticipantsRequest(RoomName Room) : RoomRequest;
public sealed record GetParticipantRequest(RoomName Room, ParticipantIdentity Identity) : RoomRequest;
public sealed record RemoveParticipantRequest(RoomName Room, ParticipantIdentity Identity) : RoomRequest;
public sealed record MuteTrackRequest(RoomName Room, ParticipantIdentity Identity, TrackSid Track, bool Muted) : RoomRequest;
public sealed record SendDataRequest(RoomName Room, ApiSendData Data) : RoomRequest;

/// <summary>What the server API asks of a room operation.</summary>
public enum ApiOutcome { Done, NoRoom, NoParticipant, NoTrack, BadRequest }

/// <summary>The answer to a <see cref="RoomRequest"/>: an outcome and the one field the request asked for.</summary>
public sealed record RoomReply(ApiOutcome Outcome, string? Problem = null)
{
    public static readonly RoomReply Done = new(ApiOutcome.Done), NoRoom = new(ApiOutcome.NoRoom);

    public RoomInfo? Room { get; init; }
    public IReadOnlyList<RoomInfo>? Rooms { get; init; }
    public ParticipantInfo? Participant { get; init; }
    public IReadOnlyList<ParticipantInfo>? Participants { get; init; }
    public TrackInfo? Track { get; init; }
    public KnockResult? Knock { get; init; }
}

/// <summary>One sending audio or video m= section of an ingest offer, by its mid.</summary>
public sealed record IngestSection(string Mid, string Kind);

/// <summary>
/// A participant without a socket (a WHIP encoder, docs/protocol.md "WHIP ingest") joins the token's room and publishes
/// <see cref="Sections"/> from <see cref="OfferSdp"/>: the room names a track per section (video a camera, audio a microphone)
/// and answers the offer through the SFU. <see cref="Connection"/> stands for the ingest session: a
/// <see cref="LeaveRequest"/> with it ends the participant.
/// </summary>
public sealed record IngestRequest(AccessToken Token, ConnectionId Connection, string OfferSdp, IReadOnlyList<IngestSection> Sections)
{
    public RoomName Room => new(Token.Video.Room ?? "");
}

/// <summary>Why an ingest was refused, for the HTTP status the endpoint answers with.</summary>
public enum IngestOutcome { Done, Forbidden, NotSfu, BadOffer, RoomFull, Unavailable }

/// <summary>The ingest participant and the SDP answer, or why not.</summary>
public sealed record IngestReply(IngestOutcome Outcome, RoomName Room, ParticipantSid? Participant, string? AnswerSdp, string? Reason = null)
{
    public static IngestReply Refused(IngestOutcome outcome, RoomName room, string reason) => new(outcome, room, null, null, reason);
}
