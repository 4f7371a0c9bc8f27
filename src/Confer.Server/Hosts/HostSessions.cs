using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Confer.Server.Hosting;

namespace Confer.Server.Hosts;

/// <summary>
/// The two cookies of the meeting app (docs/configuration.md, "Hosts and guests"):
/// <list type="bullet">
/// <item><c>confer_host</c>: a signed-in host, <c>base64url(name) "." expiry "." base64url(HMAC-SHA256)</c>, HttpOnly and
/// SameSite=Strict, so no other site can act for a host;</item>
/// <item><c>confer_guest</c>: a random id per browser. A guest's identity in a room is derived from it
/// (<see cref="GuestIdentity"/>), so a guest a host removed is known when they come back through the link.</item>
/// </list>
/// Both are signed with a key derived from the first API secret, so every node of a service agrees and a restart keeps
/// hosts signed in; without API keys (a TURN-only server) there is no sign-in at all.
/// </summary>
internal sealed class HostSessions(ServerOptions options, TimeProvider time)
{
    public const string HostCookie = "confer_host", GuestCookie = "confer_guest";

    private readonly byte[] _key = DeriveKey(options);

    /// <summary>The cookie value that signs <paramref name="name"/> in until the session lifetime from now.</summary>
    public string Issue(string name)
    {
        var expires = (time.GetUtcNow() + options.Hosts.SessionLifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var body = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(name)) + "." + expires;
        return body + "." + Base64Url.EncodeToString(Sign("host:" + body));
    }

    /// <summary>The host's name when the cookie is one of ours and has not expired; else null.</summary>
    public string? Verify(string? cookie)
    {
        if (string.IsNullOrEmpty(cookie) || cookie.Length > 512) return null;
        var last = cookie.LastIndexOf('.');
        if (last <= 0) return null;
        var body = cookie[..last];
        Span<byte> mac = stackalloc byte[32];
        if (!Base64Url.IsValid(cookie.AsSpan(last + 1)) || Base64Url.DecodeFromChars(cookie.AsSpan(last + 1), mac) != 32) return null;
        if (!CryptographicOperations.FixedTimeEquals(mac, Sign("host:" + body))) return null;
        var dot = body.IndexOf('.');
        if (dot <= 0 || !long.TryParse(body.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var expires)) return null;
        if (time.GetUtcNow().ToUnixTimeSeconds() >= expires) return null;
        try { return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(body.AsSpan(0, dot))); }
        catch (FormatException) { return null; }
    }

    /// <summary>A fresh guest id for a browser that has none.</summary>
    public static string NewGuestId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    /// <summary>The identity a browser's guest id has in a room: the same every time, unguessable without the id.</summary>
    public string GuestIdentity(string prefix, string guestId, string room)
    {
        var tag = Sign($"guest:{room}:{guestId}");
        return prefix + "-" + Convert.ToHexStringLower(tag.AsSpan(0, 6));
    }

    private byte[] Sign(string text) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text));

    private static byte[] DeriveKey(ServerOptions options)
    {
        var first = options.Signaling.Keys.Keys.FirstOrDefault();
        var secret = first is not null && options.Signaling.Keys.TryGetSecret(first, out var s) ? s : Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), "confer host and guest cookies v1"u8);
    }
}
