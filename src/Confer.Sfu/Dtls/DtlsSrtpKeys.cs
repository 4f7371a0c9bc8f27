using System.Diagnostics.CodeAnalysis;
using Confer.Sfu.Srtp;

namespace Confer.Sfu.Dtls;

/// <summary>
/// SRTP protection profiles negotiated by use_srtp (RFC 5764 §4.1.2, IANA "DTLS-SRTP Protection Profiles")
/// and the master key and salt lengths each needs (RFC 5764 §4.1.2, RFC 7714 §12).
/// </summary>
internal static class DtlsSrtpProfile
{
    public const ushort AeadAes128Gcm = 0x0007;         // SRTP_AEAD_AES_128_GCM
    public const ushort Aes128CmHmacSha1_80 = 0x0001;   // SRTP_AES128_CM_HMAC_SHA1_80

    /// <summary>Profiles the SFU accepts, most preferred first.</summary>
    public static readonly ushort[] Supported = [AeadAes128Gcm, Aes128CmHmacSha1_80];

    /// <summary>Master key and master salt lengths in bytes; false for a profile the SFU does not know.</summary>
    public static bool TryGetLengths(ushort profile, out int keyLength, out int saltLength)
    {
        switch (profile)
        {
            case AeadAes128Gcm:
                keyLength = 16;
                saltLength = 12;
                return true;
            case Aes128CmHmacSha1_80:
                keyLength = 16;
                saltLength = 14;
                return true;
            default:
                keyLength = 0;
                saltLength = 0;
                return false;
        }
    }

    /// <summary>Bytes to export for a profile: 2 × (key + salt).</summary>
    public static int MaterialLength(ushort profile) =>
        TryGetLengths(profile, out int key, out int salt) ? 2 * (key + salt) : throw new ArgumentOutOfRangeException(nameof(profile));

    public static string Name(ushort profile) => profile switch
    {
        AeadAes128Gcm => "SRTP_AEAD_AES_128_GCM",
        Aes128CmHmacSha1_80 => "SRTP_AES128_CM_HMAC_SHA1_80",
        _ => $"0x{profile:X4}",
    };
}

/// <summary>
/// SRTP master keys from a finished DTLS-SRTP handshake. The exporter output
/// (label "EXTRACTOR-dtls_srtp", no context, RFC 5764 §4.2) is laid out as:
/// <code>
/// +---------------------+---------------------+----------------------+----------------------+
/// | client write key    | server write key    | client write salt    | server write salt    |
/// | (keyLength)         | (keyLength)         | (saltLength)         | (saltLength)         |
/// +---------------------+---------------------+----------------------+----------------------+
/// </code>
/// The client (the browser, a=setup:active) protects what it sends with the client key; the SFU
/// (the DTLS server) protects what it sends with the server key.
/// </summary>
internal sealed class DtlsSrtpKeys
{
    public DtlsSrtpKeys(ushort profileId, byte[] clientKey, byte[] clientSalt, byte[] serverKey, byte[] serverSalt)
    {
        ProfileId = profileId;
        ClientKey = clientKey;
        ClientSalt = clientSalt;
        ServerKey = serverKey;
        ServerSalt = serverSalt;
    }

    public ushort ProfileId { get; }

    public byte[] ClientKey { get; }

    public byte[] ClientSalt { get; }

    public byte[] ServerKey { get; }

    public byte[] ServerSalt { get; }

    /// <summary>Splits exported keying material for a profile (RFC 5764 §4.2); false if the length or profile is wrong.</summary>
    public static bool TrySplit(ushort profileId, ReadOnlySpan<byte> material, out DtlsSrtpKeys? keys)
    {
        keys = null;
        if (!DtlsSrtpProfile.TryGetLengths(profileId, out int keyLength, out int saltLength)
            || material.Length != 2 * (keyLength + saltLength))
        {
            return false;
        }
        keys = new DtlsSrtpKeys(
            profileId,
            clientKey: material[..keyLength].ToArray(),
            clientSalt: material.Slice(2 * keyLength, saltLength).ToArray(),
            serverKey: material.Slice(keyLength, keyLength).ToArray(),
            serverSalt: material.Slice((2 * keyLength) + saltLength, saltLength).ToArray());
        return true;
    }

    /// <summary>
    /// The SRTP master keys of both sides (RFC 5764 §4.2): the client protects with <paramref name="client"/>, the server
    /// with <paramref name="server"/>. False when the profile is not one SRTP here speaks.
    /// </summary>
    public bool TryCreateMasterKeys([NotNullWhen(true)] out SrtpMasterKey? client, [NotNullWhen(true)] out SrtpMasterKey? server)
    {
        var profile = (SrtpProfile)ProfileId;
        server = null;
        return SrtpMasterKey.TryCreate(profile, ClientKey, ClientSalt, out client, out _)
            && SrtpMasterKey.TryCreate(profile, ServerKey, ServerSalt, out server, out _);
    }

    /// <summary>The exporter layout again (client key, server key, client salt, server salt), for comparisons.</summary>
    public byte[] ToMaterial() => [.. ClientKey, .. ServerKey, .. ClientSalt, .. ServerSalt];
}
