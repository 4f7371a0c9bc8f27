using System.Text.Json.Serialization;

namespace Confer.Signaling.Protocol;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(ServerMessage))]
[JsonSerializable(typeof(ClientMessage))]
[JsonSerializable(typeof(RoomInfo))]
[JsonSerializable(typeof(ParticipantInfo))]
[JsonSerializable(typeof(TrackInfo))]
[JsonSerializable(typeof(ApiRoomList))]
[JsonSerializable(typeof(ApiParticipantList))]
[JsonSerializable(typeof(ApiCreateRoom))]
[JsonSerializable(typeof(ApiMuteTrack))]
[JsonSerializable(typeof(ApiSendData))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(ApiTokenRequest))]
[JsonSerializable(typeof(ApiTokenResponse))]
[JsonSerializable(typeof(ApiIceServers))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
