namespace Confer.Signaling.Protocol;

/// <summary>
/// Any client → server frame. One flat shape keeps parsing cheap and lets an unknown <c>type</c> be
/// reported as such; <see cref="Type"/> says which fields matter (docs/protocol.md, "Client → server").
/// </summary>
public sealed class ClientMessage
{
    public int? V { get; set; }
    public long? Id { get; set; }
    public string? Type { get; set; }
    public string? To { get; set; }
    public string? Sdp { get; set; }
    public IceCandidate? Candidate { get; set; }
    public string? Cid { get; set; }
    public string? Kind { get; set; }
    public string? Source { get; set; }
    public bool? Muted { get; set; }
    public string? Name { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; }
    public string? TrackSid { get; set; }
    public string? Payload { get; set; }
    public string? Encoding { get; set; }
    public string? Topic { get; set; }
    public List<string>? DestinationIdentities { get; set; }
    public bool? Reliable { get; set; }
    public string? Text { get; set; }
    public string? Metadata { get; set; }
    public long? Timestamp { get; set; }
    public long? LastSeen { get; set; }
    public string? Path { get; set; }
    public bool? Subscribed { get; set; }
    public string? Identity { get; set; }
    public string? Guest { get; set; }
    public bool? Locked { get; set; }
}

/// <summary>The <c>type</c> values clients send.</summary>
public static class ClientTypes
{
    public const string Offer = "offer", Answer = "answer", Candidate = "candidate";
    public const string PublishTrack = "publishTrack", UnpublishTrack = "unpublishTrack", MuteTrack = "muteTrack";
    public const string Data = "data", Chat = "chat", UpdateMetadata = "updateMetadata", Leave = "leave", Ping = "ping";
    public const string MediaPath = "mediaPath";
    public const string Admit = "admit", Deny = "deny", MuteParticipant = "muteParticipant", AskUnmute = "askUnmute";
    public const string StopTrack = "stopTrack", RemoveParticipant = "removeParticipant", LockRoom = "lockRoom";
    public const string EndMeeting = "endMeeting", MakeHost = "makeHost";
    public const string PublisherOffer = "publisherOffer", SubscriberAnswer = "subscriberAnswer", UpdateSubscription = "updateSubscription";
    public const string RestartIce = "restartIce";

    /// <summary>The type as one of the constants above, or "unknown": a bounded set, fit for a metric label.</summary>
    public static string Known(string? type) => type switch
    {
        Offer => Offer, Answer => Answer, Candidate => Candidate, PublishTrack => PublishTrack, UnpublishTrack => UnpublishTrack,
        MuteTrack => MuteTrack, Data => Data, Chat => Chat, UpdateMetadata => UpdateMetadata, Leave => Leave, Ping => Ping, MediaPath => MediaPath,
        PublisherOffer => PublisherOffer, SubscriberAnswer => SubscriberAnswer, UpdateSubscription => UpdateSubscription,
        Admit => Admit, Deny => Deny, MuteParticipant => MuteParticipant, AskUnmute => AskUnmute, StopTrack => StopTrack,
        RemoveParticipant => RemoveParticipant, LockRoom => LockRoom, EndMeeting => EndMeeting, MakeHost => MakeHost, RestartIce => RestartIce,
        _ => "unknown",
    };
}

/// <summary>
/// The <c>path</c> values of a <c>mediaPath</c> frame: how a participant's media reaches one other participant, as its
/// browser's selected ICE candidate pair says. A bounded set, fit for a metric label.
/// </summary>
public static class MediaPaths
{
    /// <summary>Host or server-reflexive candidates, over UDP or TCP.</summary>
    public const string DirectUdp = "direct-udp", DirectTcp = "direct-tcp";

    /// <summary>This participant's own candidate is a TURN relay, reached over UDP, TCP or TLS.</summary>
    public const string RelayUdp = "relay-udp", RelayTcp = "relay-tcp", RelayTls = "relay-tls";

    /// <summary>Only the other side's candidate is a relay.</summary>
    public const string PeerRelay = "peer-relay";

    /// <summary>Through Confer's SFU: the browser reaches the server over UDP or TCP, or through TURN.</summary>
    public const string SfuUdp = "sfu-udp", SfuTcp = "sfu-tcp", SfuTurn = "sfu-turn";

    public static readonly IReadOnlyList<string> All = [DirectUdp, DirectTcp, RelayUdp, RelayTcp, RelayTls, PeerRelay, SfuUdp, SfuTcp, SfuTurn];

    public static bool IsValid(string? path) => path is not null && All.Contains(path);
}
