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
}

/// <summary>The <c>type</c> values clients send.</summary>
public static class ClientTypes
{
    public const string Offer = "offer", Answer = "answer", Candidate = "candidate";
    public const string PublishTrack = "publishTrack", UnpublishTrack = "unpublishTrack", MuteTrack = "muteTrack";
    public const string Data = "data", Chat = "chat", UpdateMetadata = "updateMetadata", Leave = "leave", Ping = "ping";

    /// <summary>The type as one of the constants above, or "unknown": a bounded set, fit for a metric label.</summary>
    public static string Known(string? type) => type switch
    {
        Offer => Offer, Answer => Answer, Candidate => Candidate, PublishTrack => PublishTrack, UnpublishTrack => UnpublishTrack,
        MuteTrack => MuteTrack, Data => Data, Chat => Chat, UpdateMetadata => UpdateMetadata, Leave => Leave, Ping => Ping,
        _ => "unknown",
    };
}
