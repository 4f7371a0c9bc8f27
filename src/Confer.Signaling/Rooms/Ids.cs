using System.Security.Cryptography;

namespace Confer.Signaling.Rooms;

/// <summary>A room's name as it appears in tokens and URLs.</summary>
public readonly record struct RoomName(string Value)
{
    public const int MaxLength = 128;
    public static bool IsValid(string? name) => !string.IsNullOrWhiteSpace(name) && name.Length <= MaxLength;
    public override string ToString() => Value;
}

/// <summary>A room instance's server-assigned id (<c>RM_</c>): a room closed and made again has a new one.</summary>
public readonly record struct RoomSid(string Value)
{
    public static RoomSid New() => new("RM_" + Sids.Random(12));
    public override string ToString() => Value;
}

/// <summary>A participant's server-assigned id (<c>PA_</c>), kept across resumes, new on every join.</summary>
public readonly record struct ParticipantSid(string Value)
{
    public static ParticipantSid New() => new("PA_" + Sids.Random(12));
    public override string ToString() => Value;
}

/// <summary>Who a participant is, from the token's <c>sub</c>: one session per identity in a room.</summary>
public readonly record struct ParticipantIdentity(string Value)
{
    public const int MaxLength = 256;
    public override string ToString() => Value;
}

/// <summary>A published track's server-assigned id (<c>TR_</c>).</summary>
public readonly record struct TrackSid(string Value)
{
    public static TrackSid New() => new("TR_" + Sids.Random(12));
    public override string ToString() => Value;
}

/// <summary>Server-assigned random strings: <c>CH_</c> chat messages, resume tokens, and the ids above.</summary>
public static class Sids
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Chat() => "CH_" + Random(12);
    public static string ResumeToken() => Random(32);
    public static string Random(int length) => RandomNumberGenerator.GetString(Alphabet, length);
}
