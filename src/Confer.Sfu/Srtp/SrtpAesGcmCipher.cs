using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Confer.Sfu.Srtp;

/// <summary>
/// SRTP_AEAD_AES_128_GCM (RFC 7714). Packets on the wire:
/// <code>
/// SRTP (§8.2):  | RTP header (+CSRCs, +extension) = AAD | ciphertext | tag (16) |
/// SRTCP (§9.2): | first 8 bytes | ciphertext | tag (16) | E(1) SRTCP index(31) |
///               E=1: AAD = first 8 bytes | E,index;  E=0: AAD = whole RTCP packet | E,index
/// RTP IV (§8.1):   00 00 | SSRC | ROC | SEQ            XOR 96-bit session salt
/// RTCP IV (§9.1):  00 00 | SSRC | 00 00 | 0,index(31)  XOR 96-bit session salt
/// </code>
/// A tag that does not verify costs one caught <see cref="AuthenticationTagMismatchException"/>:
/// <see cref="AesGcm"/> has no non-throwing decrypt.
/// </summary>
internal sealed class SrtpAesGcmCipher : SrtpCipher
{
    private const int Tag = 16;
    private readonly AesGcm gcm;
    private readonly byte[] salt;

    /// <summary>Builds the context from its session key (16 bytes) and session salt (12 bytes).</summary>
    public SrtpAesGcmCipher(ReadOnlySpan<byte> sessionKey, ReadOnlySpan<byte> sessionSalt)
    {
        gcm = new AesGcm(sessionKey, Tag);
        salt = sessionSalt.ToArray();
    }

    /// <summary>Derives the SRTP (or SRTCP) session key and salt from a master key (RFC 7714 §11).</summary>
    public static SrtpAesGcmCipher Derive(SrtpMasterKey master, bool rtcp)
    {
        Span<byte> key = stackalloc byte[16];
        Span<byte> salt = stackalloc byte[12];
        using var masterAes = new AesCounterMode(master.Key);
        SrtpKeyDerivation.Derive(masterAes, master.Salt, rtcp ? SrtpKeyDerivation.RtcpEncryption : SrtpKeyDerivation.RtpEncryption, key);
        SrtpKeyDerivation.Derive(masterAes, master.Salt, rtcp ? SrtpKeyDerivation.RtcpSalt : SrtpKeyDerivation.RtpSalt, salt);
        var cipher = new SrtpAesGcmCipher(key, salt);
        CryptographicOperations.ZeroMemory(key);
        return cipher;
    }

    /// <inheritdoc />
    public override int TagLength => Tag;

    /// <inheritdoc />
    public override void ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, ulong index)
    {
        Span<byte> nonce = stackalloc byte[12];
        MakeRtpIv(nonce, ssrc, index);
        Span<byte> payload = packet[headerLength..length];
        gcm.Encrypt(nonce, payload, payload, packet.Slice(length, Tag), packet[..headerLength]);
    }

    /// <inheritdoc />
    public override bool UnprotectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, ulong index)
    {
        Span<byte> nonce = stackalloc byte[12];
        MakeRtpIv(nonce, ssrc, index);
        Span<byte> payload = packet[headerLength..length];
        return TryDecrypt(nonce, payload, packet.Slice(length, Tag), packet[..headerLength]);
    }

    /// <inheritdoc />
    public override int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index, bool encrypt)
    {
        Span<byte> nonce = stackalloc byte[12];
        MakeRtcpIv(nonce, ssrc, index);
        uint word = encrypt ? index | 0x8000_0000u : index;
        if (encrypt)
        {
            Span<byte> aad = stackalloc byte[12];
            packet[..8].CopyTo(aad);
            BinaryPrimitives.WriteUInt32BigEndian(aad[8..], word);
            Span<byte> body = packet[8..length];
            gcm.Encrypt(nonce, body, body, packet.Slice(length, Tag), aad);
        }
        else
        {
            // AAD is the packet followed by the E/index word: build it in place, then move the word behind the tag.
            BinaryPrimitives.WriteUInt32BigEndian(packet.Slice(length, 4), word);
            Span<byte> tag = stackalloc byte[Tag];
            gcm.Encrypt(nonce, ReadOnlySpan<byte>.Empty, Span<byte>.Empty, tag, packet[..(length + 4)]);
            tag.CopyTo(packet.Slice(length, Tag));
        }

        BinaryPrimitives.WriteUInt32BigEndian(packet.Slice(length + Tag, 4), word);
        return length + Tag + 4;
    }

    /// <inheritdoc />
    public override bool UnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint index, bool encrypted)
    {
        Span<byte> nonce = stackalloc byte[12];
        MakeRtcpIv(nonce, ssrc, index);
        int tagOffset = length - 4 - Tag;
        Span<byte> tag = stackalloc byte[Tag];
        packet.Slice(tagOffset, Tag).CopyTo(tag);
        ReadOnlySpan<byte> word = packet.Slice(length - 4, 4);
        if (encrypted)
        {
            Span<byte> aad = stackalloc byte[12];
            packet[..8].CopyTo(aad);
            word.CopyTo(aad[8..]);
            return TryDecrypt(nonce, packet[8..tagOffset], tag, aad);
        }

        // AAD = packet | E,index: slide the word over the tag so the AAD is contiguous.
        word.CopyTo(packet.Slice(tagOffset, 4));
        bool ok = TryDecrypt(nonce, Span<byte>.Empty, tag, packet[..(tagOffset + 4)]);
        if (!ok)
        {
            tag.CopyTo(packet.Slice(tagOffset, Tag));
        }

        return ok;
    }

    /// <inheritdoc />
    public override int RtcpTrailerOffset(int length) => length - 4;

    /// <inheritdoc />
    public override void Dispose()
    {
        gcm.Dispose();
        CryptographicOperations.ZeroMemory(salt);
    }

    /// <summary>RFC 7714 §8.1: 00 00 | SSRC | ROC | SEQ, XOR the salt.</summary>
    internal void MakeRtpIv(Span<byte> nonce, uint ssrc, ulong index)
    {
        nonce[0] = 0;
        nonce[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(nonce[2..], ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[6..], (uint)(index >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(nonce[10..], (ushort)index);
        AesCounterMode.XorInPlace(nonce, salt);
    }

    /// <summary>RFC 7714 §9.1: 00 00 | SSRC | 00 00 | 0 | SRTCP index (31 bits), XOR the salt.</summary>
    internal void MakeRtcpIv(Span<byte> nonce, uint ssrc, uint index)
    {
        nonce[0] = 0;
        nonce[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(nonce[2..], ssrc);
        nonce[6] = 0;
        nonce[7] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(nonce[8..], index & 0x7FFF_FFFFu);
        AesCounterMode.XorInPlace(nonce, salt);
    }

    private bool TryDecrypt(ReadOnlySpan<byte> nonce, Span<byte> body, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad)
    {
        try
        {
            gcm.Decrypt(nonce, body, tag, body, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }
}
