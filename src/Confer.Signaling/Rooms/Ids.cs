using System.Security.Cryptography;

namespace Confer.Signaling.Rooms;

/// <summary>A room's name as it appears in tokens and URLs.</summary>
public readonly record struct RoomName(string Value)
{
    public const int MaxLength = 128;
    public static bool IsValid(string? name) => !string.IsNullOrWhiteSpace(name) && name.Length <= MaxLength;
    public override string ToString() => Value;
}

/// <summary>Server-assigned ids: <c>RM_</c> rooms, <c>PA_</c> participants, <c>TR_</c> tracks, <c>CH_</c> chat messages.</summary>
public static class Sids
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Room() => "RM_" + Random(12);
    public static string Participant() => "PA_" + Random(12);
    public static string Track() => "TR_" + Random(12);
    public static string Chat() => "CH_" + Random(12);
    public static string ResumeToken() => Random(32);
    public static string Random(int length) => RandomNumberGenerator.GetString(Alphabet, length);
}
