using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Confer.Sfu.Srtp;

/// <summary>
/// SRTP_AES128_CM_HMAC_SHA1_80 (RFC 3711 §4.1.1, §4.2.1). SRTP and SRTCP packets on the wire:
/// <code>
/// SRTP:  | RTP header (+CSRCs, +extension) | encrypted payload | auth tag (10) |
///        tag = HMAC-SHA1(k_a, header | encrypted payload | ROC)[0..10]
/// SRTCP: | first 8 bytes | encrypted rest | E(1) SRTCP index(31) | auth tag (10) |
///        tag = HMAC-SHA1(k_a, everything before the tag)[0..10]
/// IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16)
/// </code>
/// </summary>
internal sealed class SrtpAesCmCipher : SrtpCipher
{
    private const int Tag = 10;
    private readonly AesCounterMode aes;
    private readonly IncrementalHash hmac;
    private readonly byte[] salt;

    /// <summary>Builds the context from its session keys (16-byte key, 14-byte salt, 20-byte auth key).</summary>
    public SrtpAesCmCipher(ReadOnlySpan<byte> sessionKey, ReadOnlySpan<byte> sessionSalt, ReadOnlySpan<byte> authKey)
    {
        aes = new AesCounterMode(sessionKey);
        hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, authKey);
        salt = sessionSalt.ToArray();
    }

    /// <summary>Derives the SRTP (or SRTCP) session keys from a master key (RFC 3711 §4.3).</summary>
    public static SrtpAesCmCipher Derive(SrtpMasterKey master, bool rtcp)
    {
        Span<byte> key = stackalloc byte[16];
        Span<byte> salt = stackalloc byte[14];
        Span<byte> auth = stackalloc byte[20];
        using var masterAes = new AesCounterMode(master.Key);
        SrtpKeyDerivation.Derive(masterAes, master.Salt, rtcp ? SrtpKeyDerivation.RtcpEncryption : SrtpKeyDerivation.RtpEncryption, key);
        SrtpKeyDerivation.Derive(masterAes, master.Salt, rtcp ? SrtpKeyDerivation.RtcpSalt : SrtpKeyDerivation.RtpSalt, salt);
        SrtpKeyDerivation.Derive(masterAes, master.Salt, rtcp ? SrtpKeyDerivation.RtcpAuthentication : SrtpKeyDerivation.RtpAuthentication, auth);
        var cipher = new SrtpAesCmCipher(key, salt, auth);
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(auth);
        return cipher;
    }

    /// <inheritdoc />
    public override int TagLength => Tag;

    /// <inheritdoc />
    public override void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, ulong index)
    {
        Span<byte> iv = stackalloc byte[16];
        MakeIv(iv, ssrc, index);
        aes.Xor(iv, packet[headerLength..length]);
        Sign(packet[..length], (uint)(index >> 16), true, packet.Slice(length, Tag));
    }

    /// <inheritdoc />
    public override bool UnprotectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, ulong index)
    {
        Span<byte> expected = stackalloc byte[Tag];
        Sign(packet[..length], (uint)(index >> 16), true, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, packet.Slice(length, Tag)))
        {
            return false;
        }

        Span<byte> iv = stackalloc byte[16];
        MakeIv(iv, ssrc, index);
        aes.Xor(iv, packet[headerLength..length]);
        return true;
    }

    /// <inheritdoc />
    public override int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index, bool encrypt)
    {
        if (encrypt)
        {
            Span<byte> iv = stackalloc byte[16];
            MakeIv(iv, ssrc, index);
            aes.Xor(iv, packet[8..length]);
        }

        BinaryPrimitives.WriteUInt32BigEndian(packet.Slice(length, 4), encrypt ? index | 0x8000_0000u : index);
        Sign(packet[..(length + 4)], 0, false, packet.Slice(length + 4, Tag));
        return length + 4 + Tag;
    }

    /// <inheritdoc />
    public override bool UnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint index, bool encrypted)
    {
        int tagOffset = length - Tag;
        Span<byte> expected = stackalloc byte[Tag];
        Sign(packet[..tagOffset], 0, false, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, packet.Slice(tagOffset, Tag)))
        {
            return false;
        }

        if (encrypted)
        {
            Span<byte> iv = stackalloc byte[16];
            MakeIv(iv, ssrc, index);
            aes.Xor(iv, packet[8..(tagOffset - 4)]);
        }

        return true;
    }

    /// <inheritdoc />
    public override int RtcpTrailerOffset(int length) => length - Tag - 4;

    /// <inheritdoc />
    public override void Dispose()
    {
        aes.Dispose();
        hmac.Dispose();
        CryptographicOperations.ZeroMemory(salt);
    }

    /// <summary>RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16).</summary>
    internal void MakeIv(Span<byte> iv, uint ssrc, ulong index)
    {
        salt.CopyTo(iv);
        iv[14] = 0;
        iv[15] = 0;
        iv[4] ^= (byte)(ssrc >> 24);
        iv[5] ^= (byte)(ssrc >> 16);
        iv[6] ^= (byte)(ssrc >> 8);
        iv[7] ^= (byte)ssrc;
        for (int i = 0; i < 6; i++)
        {
            iv[13 - i] ^= (byte)(index >> (8 * i));
        }
    }

    /// <summary>HMAC-SHA1 over the authenticated portion (and the ROC for SRTP, RFC 3711 §4.2), cut to 80 bits.</summary>
    private void Sign(ReadOnlySpan<byte> authenticated, uint roc, bool appendRoc, Span<byte> tag)
    {
        hmac.AppendData(authenticated);
        if (appendRoc)
        {
            Span<byte> rocBytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(rocBytes, roc);
            hmac.AppendData(rocBytes);
        }

        Span<byte> full = stackalloc byte[20];
        hmac.GetHashAndReset(full);
        full[..Tag].CopyTo(tag);
    }
}
