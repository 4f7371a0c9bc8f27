using System.Text.Json.Serialization;

namespace Confer.Server.Hosts;

/// <summary><c>POST /api/host/session</c>: an account name (or, with the shared password, the host's name) and the password.</summary>
public sealed record HostSignIn(string? Account, string? Password);

/// <summary>Who is signed in.</summary>
public sealed record HostSessionInfo(string Name);

/// <summary><c>POST /api/meetings</c>: a room name (a fresh one when absent) and whether guests wait in the lobby.</summary>
public sealed record MeetingRequest(string? Room, bool? Lobby);

public sealed record MeetingInfo(string Room, string Url, bool Lobby);

/// <summary><c>POST /api/join</c> and <c>POST /api/join/{ticket}</c>: the room and the name to show.</summary>
public sealed record JoinBody(string? Room, string? Name);

/// <summary>A token to join with, or a lobby ticket to ask again with (<c>202</c>).</summary>
public sealed record JoinAnswer(string? Token = null, string? Identity = null, string? Url = null, bool? Host = null, string? Wait = null, string? Message = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HostSignIn))]
[JsonSerializable(typeof(HostSessionInfo))]
[JsonSerializable(typeof(MeetingRequest))]
[JsonSerializable(typeof(MeetingInfo))]
[JsonSerializable(typeof(JoinBody))]
[JsonSerializable(typeof(JoinAnswer))]
internal sealed partial class HostsJsonContext : JsonSerializerContext;
