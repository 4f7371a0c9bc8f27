using System.Text.Json.Serialization;

namespace Confer.Server.Webhooks;

// The body of a webhook: LiveKit's WebhookEvent (livekit_webhook.proto) and the Room, ParticipantInfo and TrackInfo
// messages it carries (livekit_models.proto), in protobuf's canonical JSON mapping — lowerCamelCase field names,
// enums by name, 64-bit integers as decimal strings, fields at their default value left out — so a receiver
// built on LiveKit's server SDK parses it as it parses LiveKit's own.

/// <summary>WebhookEvent: <c>event</c> names what happened; <c>id</c> is unique per event, <c>createdAt</c> in Unix seconds.</summary>
public sealed record WebhookEvent(
    string Event,
    WebhookRoom? Room,
    WebhookParticipant? Participant,
    WebhookTrack? Track,
    string Id,
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString)] long CreatedAt,
    int NumDropped = 0);

/// <summary>Room: <c>emptyTimeout</c> in seconds, <c>creationTime</c> in Unix seconds (and milliseconds).</summary>
public sealed record WebhookRoom(
    string Sid,
    string Name,
    uint EmptyTimeout,
    uint MaxParticipants,
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString)] long CreationTime,
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString)] long CreationTimeMs,
    string? Metadata,
    uint NumParticipants,
    uint NumPublishers);

/// <summary>ParticipantInfo: <c>state</c> is JOINING, JOINED, ACTIVE or DISCONNECTED; <c>joinedAt</c> in Unix seconds.</summary>
public sealed record WebhookParticipant(
    string Sid,
    string Identity,
    string State,
    IReadOnlyList<WebhookTrack> Tracks,
    string? Metadata,
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString)] long JoinedAt,
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString)] long JoinedAtMs,
    string? Name,
    bool IsPublisher,
    string? DisconnectReason);

/// <summary>TrackInfo: <c>type</c> AUDIO or VIDEO, <c>source</c> CAMERA, MICROPHONE, SCREEN_SHARE or SCREEN_SHARE_AUDIO.</summary>
public sealed record WebhookTrack(
    string Sid,
    string Type,
    string? Name,
    bool Muted,
    uint Width,
    uint Height,
    string Source);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(WebhookEvent))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
