using System.Text.Json.Serialization;

namespace Confer.Signaling.Auth;

/// <summary>
/// The <c>video</c> claim of an access token. Names and defaults follow LiveKit's grant so tokens minted by
/// its server SDKs work unchanged: publish, subscribe and data rights default to true when absent; the
/// room-management rights default to false.
/// </summary>
public sealed class VideoGrant
{
    [JsonPropertyName("room")] public string? Room { get; set; }
    [JsonPropertyName("roomJoin"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool RoomJoin { get; set; }
    [JsonPropertyName("roomCreate"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool RoomCreate { get; set; }
    [JsonPropertyName("roomList"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool RoomList { get; set; }
    [JsonPropertyName("roomAdmin"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool RoomAdmin { get; set; }
    [JsonPropertyName("canPublish")] public bool? CanPublish { get; set; }
    [JsonPropertyName("canSubscribe")] public bool? CanSubscribe { get; set; }
    [JsonPropertyName("canPublishData")] public bool? CanPublishData { get; set; }
    [JsonPropertyName("canPublishSources")] public List<string>? CanPublishSources { get; set; }
    [JsonPropertyName("canUpdateOwnMetadata")] public bool? CanUpdateOwnMetadata { get; set; }
    [JsonPropertyName("hidden"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool Hidden { get; set; }

    /// <summary>The rights a participant holding this grant has in its room.</summary>
    public ParticipantPermission ToPermission() => new(
        CanPublish ?? true,
        CanSubscribe ?? true,
        CanPublishData ?? true,
        CanPublishSources is { Count: > 0 } s ? [.. s] : [],
        CanUpdateOwnMetadata ?? false,
        Hidden);

    /// <summary>
    /// Applies one <c>name=value</c> setting as given to <c>confer token create --grant</c>; returns an error sentence or null.
    /// </summary>
    public string? Apply(string setting)
    {
        var eq = setting.IndexOf('=');
        if (eq <= 0) return $"--grant '{setting}' must look like name=value, for example canPublish=false.";
        var name = setting[..eq].Trim();
        var value = setting[(eq + 1)..].Trim();
        if (name == "canPublishSources")
        {
            CanPublishSources = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            return null;
        }
        if (name == "room") { Room = value; return null; }
        if (!bool.TryParse(value, out var b)) return $"--grant {name} needs true or false, not '{value}'.";
        switch (name)
        {
            case "roomJoin": RoomJoin = b; break;
            case "roomCreate": RoomCreate = b; break;
            case "roomList": RoomList = b; break;
            case "roomAdmin": RoomAdmin = b; break;
            case "canPublish": CanPublish = b; break;
            case "canSubscribe": CanSubscribe = b; break;
            case "canPublishData": CanPublishData = b; break;
            case "canUpdateOwnMetadata": CanUpdateOwnMetadata = b; break;
            case "hidden": Hidden = b; break;
            default: return $"--grant: unknown grant '{name}'.";
        }
        return null;
    }
}

/// <summary>What a participant may do in its room, derived from its grant.</summary>
public sealed record ParticipantPermission(
    bool CanPublish,
    bool CanSubscribe,
    bool CanPublishData,
    string[] CanPublishSources,
    bool CanUpdateMetadata,
    bool Hidden)
{
    public bool MayPublishSource(string source) =>
        CanPublish && (CanPublishSources.Length == 0 || Array.IndexOf(CanPublishSources, source) >= 0);
}
