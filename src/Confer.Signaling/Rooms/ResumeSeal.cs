using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Confer.Signaling.Rooms;

/// <summary>
/// What a sealed resume token carries: enough to make the participant (and its room) again on a node that never knew them,
/// after the room's node died (docs/scale-out.md, "Failover"). Permissions come from the access token of the resume.
/// </summary>
public sealed record ResumeState(
    string Room, string RoomSid, string? RoomMetadata, int RoomMaxParticipants, int RoomEmptyTimeout, long RoomCreationTime,
    bool Hosted, bool Lobby, bool Locked,
    string Sid, string Identity, string? Name, string? Metadata, bool Host, long JoinedAt, long Expires);

/// <summary>
/// Seals <see cref="ResumeState"/> into a resume token with AES-GCM under a key derived from the secret every node of a
/// cluster shares (<c>--turn-secret</c>): only a node of the same cluster can open it, and any change to it, or a token
/// past its expiry, does not open. A state larger than <see cref="MaxPlainBytes"/> is not sealed (the caller keeps a plain
/// random token: that participant joins afresh after a failover).
/// </summary>
public sealed class ResumeSeal
{
    /// <summary>How long a sealed token opens after it was made; a connected participant gets a fresh one after half of it.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>The largest state sealed, in bytes before encryption (the token is about 4/3 of it, in a URL).</summary>
    public const int MaxPlainBytes = 3 * 1024;

    private const string Prefix = "s1.";
    private const int NonceBytes = 12, TagBytes = 16;
    private const byte FormatVersion = 1;
    private readonly byte[] _key;

    public ResumeSeal(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, salt: [],
            info: Encoding.UTF8.GetBytes("confer resume token v1"));
    }

    /// <summary>The sealed token, or null when the state is too large to seal.</summary>
    public string? Seal(ResumeState state)
    {
        byte[] plain;
        using (var buffer = new MemoryStream())
        {
            using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(FormatVersion);
                w.Write(state.Room); w.Write(state.RoomSid); Optional(w, state.RoomMetadata);
                w.Write(state.RoomMaxParticipants); w.Write(state.RoomEmptyTimeout); w.Write(state.RoomCreationTime);
                w.Write(state.Hosted); w.Write(state.Lobby); w.Write(state.Locked);
                w.Write(state.Sid); w.Write(state.Identity); Optional(w, state.Name); Optional(w, state.Metadata);
                w.Write(state.Host); w.Write(state.JoinedAt); w.Write(state.Expires);
            }
            if (buffer.Length > MaxPlainBytes) return null;
            plain = buffer.ToArray();
        }
        var sealedBytes = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), Associated);
        return Prefix + Base64Url.EncodeToString(sealedBytes);
    }

    /// <summary>The state of a token this cluster sealed that has not expired at <paramref name="now"/> (unix ms); null for anything else.</summary>
    public ResumeState? Open(string? token, long now)
    {
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 2 * MaxPlainBytes) return null;
        byte[] sealedBytes;
        try { sealedBytes = Base64Url.DecodeFromChars(token.AsSpan(Prefix.Length)); }
        catch (FormatException) { return null; }
        if (sealedBytes.Length < NonceBytes + TagBytes + 1) return null;
        var length = sealedBytes.Length - NonceBytes - TagBytes;
        var plain = new byte[length];
        try
        {
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, length), sealedBytes.AsSpan(NonceBytes + length), plain, Associated);
        }
        catch (AuthenticationTagMismatchException) { return null; }
        try
        {
            using var r = new BinaryReader(new MemoryStream(plain), Encoding.UTF8);
            if (r.ReadByte() != FormatVersion) return null;
            var state = new ResumeState(r.ReadString(), r.ReadString(), Optional(r), r.ReadInt32(), r.ReadInt32(), r.ReadInt64(),
                r.ReadBoolean(), r.ReadBoolean(), r.ReadBoolean(),
                r.ReadString(), r.ReadString(), Optional(r), Optional(r), r.ReadBoolean(), r.ReadInt64(), r.ReadInt64());
            return state.Expires > now ? state : null;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException)
        {
            return null; // sealed by this key but not in this format: a later version's token
        }
    }

    private static ReadOnlySpan<byte> Associated => "confer-resume"u8;

    private static void Optional(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null) w.Write(value);
    }

    private static string? Optional(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;
}
