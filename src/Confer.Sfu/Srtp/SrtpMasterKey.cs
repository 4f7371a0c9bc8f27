using System.Diagnostics.CodeAnalysis;

namespace Confer.Sfu.Srtp;

/// <summary>
/// One direction's SRTP master key and master salt for a profile, copied in so the caller's
/// (exported) buffer can be wiped. DTLS-SRTP exports, per RFC 5764 §4.2:
/// <code>
/// client_write_SRTP_master_key | server_write_SRTP_master_key |
/// client_write_SRTP_master_salt | server_write_SRTP_master_salt
/// </code>
/// </summary>
internal sealed class SrtpMasterKey
{
    private readonly byte[] key;
    private readonly byte[] salt;

    private SrtpMasterKey(SrtpProfile profile, ReadOnlySpan<byte> key, ReadOnlySpan<byte> salt)
    {
        Profile = profile;
        this.key = key.ToArray();
        this.salt = salt.ToArray();
    }

    /// <summary>The protection profile the key belongs to.</summary>
    public SrtpProfile Profile { get; }

    /// <summary>The master key (16 bytes).</summary>
    public ReadOnlySpan<byte> Key => key;

    /// <summary>The master salt (14 bytes for AES-CM, 12 for GCM).</summary>
    public ReadOnlySpan<byte> Salt => salt;

    /// <summary>Bytes of keying material to export from DTLS for a profile: both directions' keys and salts.</summary>
    public static int ExportLength(SrtpProfile profile) =>
        2 * (SrtpProfiles.KeyLength(profile) + SrtpProfiles.SaltLength(profile));

    /// <summary>Copies a master key and salt after checking their lengths against the profile.</summary>
    public static bool TryCreate(
        SrtpProfile profile,
        ReadOnlySpan<byte> masterKey,
        ReadOnlySpan<byte> masterSalt,
        [NotNullWhen(true)] out SrtpMasterKey? result,
        out SrtpError error)
    {
        result = null;
        if (!SrtpProfiles.IsKnown(profile))
        {
            error = SrtpError.UnknownProfile;
            return false;
        }

        if (masterKey.Length != SrtpProfiles.KeyLength(profile) || masterSalt.Length != SrtpProfiles.SaltLength(profile))
        {
            error = SrtpError.BadKeyLength;
            return false;
        }

        result = new SrtpMasterKey(profile, masterKey, masterSalt);
        error = SrtpError.None;
        return true;
    }

    /// <summary>
    /// Splits the keying material exported by DTLS (label "EXTRACTOR-dtls_srtp", RFC 5764 §4.2) into
    /// the client's and the server's write keys. A server protects with <paramref name="server"/> and
    /// unprotects with <paramref name="client"/>.
    /// </summary>
    public static bool TrySplitExported(
        SrtpProfile profile,
        ReadOnlySpan<byte> material,
        [NotNullWhen(true)] out SrtpMasterKey? client,
        [NotNullWhen(true)] out SrtpMasterKey? server,
        out SrtpError error)
    {
        client = null;
        server = null;
        if (!SrtpProfiles.IsKnown(profile))
        {
            error = SrtpError.UnknownProfile;
            return false;
        }

        if (material.Length != ExportLength(profile))
        {
            error = SrtpError.BadKeyLength;
            return false;
        }

        int keyLength = SrtpProfiles.KeyLength(profile);
        int saltLength = SrtpProfiles.SaltLength(profile);
        ReadOnlySpan<byte> clientKey = material[..keyLength];
        ReadOnlySpan<byte> serverKey = material.Slice(keyLength, keyLength);
        ReadOnlySpan<byte> clientSalt = material.Slice(2 * keyLength, saltLength);
        ReadOnlySpan<byte> serverSalt = material.Slice(2 * keyLength + saltLength, saltLength);
        client = new SrtpMasterKey(profile, clientKey, clientSalt);
        server = new SrtpMasterKey(profile, serverKey, serverSalt);
        error = SrtpError.None;
        return true;
    }
}
