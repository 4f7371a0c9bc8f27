using Confer.Sfu.Srtp;
using static Confer.Sfu.Tests.Srtp.SrtpTestData;

namespace Confer.Sfu.Tests.Srtp;

/// <summary>Known answers: RFC 3711 Appendix B, RFC 7714 §16/§17 and libsrtp's reference packets.</summary>
public sealed class SrtpVectorTests
{
    private const string Rfc7714Rtp =
        "8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573";

    private const string Rfc7714Rtcp =
        "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef";

    [Fact]
    public void Keystream_Rfc3711B2_MatchesTable()
    {
        // B.2: session key and salt given, SSRC 0, index 0, so the IV is the salt shifted 16 bits.
        byte[] key = Hex("2B7E151628AED2A6ABF7158809CF4F3C");
        using var aes = new AesCounterMode(key);
        using var cipher = new SrtpAesCmCipher(key, Hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"), new byte[20]);
        byte[] iv = new byte[16];
        cipher.MakeIv(iv, ssrc: 0, index: 0);
        Assert.Equal(Hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), iv);

        byte[] stream = new byte[0xFF02 * 16];
        aes.Xor(iv, stream);
        Assert.Equal(Hex("E03EAD0935C95E80E166B16DD92B4EB4"), stream[..16]);
        Assert.Equal(Hex("D23513162B02D0F72A43A2FE4A5F97AB"), stream[16..32]);
        Assert.Equal(Hex("41E95B3BB0A2E8DD477901E4FCA894C0"), stream[32..48]);
        Assert.Equal(Hex("EC8CDF7398607CB0F2D21675EA9EA1E4"), stream[(0xFEFF * 16)..(0xFF00 * 16)]);
        Assert.Equal(Hex("362B7C3C6773516318A077D7FC5073AE"), stream[(0xFF00 * 16)..(0xFF01 * 16)]);
        Assert.Equal(Hex("6A2CC3787889374FBEB4C81B17BA6C44"), stream[(0xFF01 * 16)..(0xFF02 * 16)]);
    }

    [Fact]
    public void Derive_Rfc3711B3_MatchesSessionKeys()
    {
        byte[] key = Hex(CmMasterKey);
        byte[] salt = Hex(CmMasterSalt);
        byte[] cipherKey = new byte[16];
        byte[] cipherSalt = new byte[14];
        byte[] authKey = new byte[94];
        SrtpKeyDerivation.Derive(key, salt, SrtpKeyDerivation.RtpEncryption, cipherKey);
        SrtpKeyDerivation.Derive(key, salt, SrtpKeyDerivation.RtpSalt, cipherSalt);
        SrtpKeyDerivation.Derive(key, salt, SrtpKeyDerivation.RtpAuthentication, authKey);

        Assert.Equal(Hex("C61E7A93744F39EE10734AFE3FF7A087"), cipherKey);
        Assert.Equal(Hex("30CBBC08863D8C85D49DB34A9AE1"), cipherSalt);
        Assert.Equal(
            Hex("CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE E049646C43D9327AD175578EF7227098" +
                "6371C10C9A369AC2F94A8C5FBCDDDC25 6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2"),
            authKey);
    }

    [Fact]
    public void Derive_GcmTwelveByteSalt_PadsSaltOnTheRight()
    {
        // Expected blocks computed with `openssl enc -aes-128-ecb -nopad -K 000102...0f` over
        // x = a0a1a2a3a4a5a6(a7^label)a8a9aaab 0000 || 0000 (the 96-bit salt padded to 112 bits, then *2^16).
        byte[] key = Hex(GcmSessionKey);
        byte[] salt = Hex("a0a1a2a3a4a5a6a7a8a9aaab");
        byte[] rtpKey = new byte[16];
        byte[] rtpSalt = new byte[12];
        SrtpKeyDerivation.Derive(key, salt, SrtpKeyDerivation.RtpEncryption, rtpKey);
        SrtpKeyDerivation.Derive(key, salt, SrtpKeyDerivation.RtpSalt, rtpSalt);
        Assert.Equal(Hex("077c6143cb221bc355ff23d5f984a16e"), rtpKey);
        Assert.Equal(Hex("9af3e95364ebac9c99c5a7c4"), rtpSalt);
    }

    [Fact]
    public void GcmIv_Rfc7714_MatchesSections16And17()
    {
        using var cipher = new SrtpAesGcmCipher(Hex(GcmSessionKey), Hex(GcmSessionSalt));
        byte[] iv = new byte[12];
        cipher.MakeRtpIv(iv, 0x5501a0b2, 0xf17b);
        Assert.Equal(Hex("51753c6580c2726f20718414"), iv);
        cipher.MakeRtcpIv(iv, 0x4d617273, 0x5d4);
        Assert.Equal(Hex("517524055203726f207170bb"), iv);
    }

    [Fact]
    public void TryProtectRtp_Rfc7714Section16_1_MatchesVector()
    {
        using SrtpSession session = GcmSession(SrtpDirection.Protect);
        byte[] plain = Hex(Rfc7714Rtp);
        byte[] buffer = new byte[plain.Length + 16];
        plain.CopyTo(buffer, 0);

        Assert.True(session.TryProtectRtp(buffer, plain.Length, out int length, out SrtpError error), error.ToString());

        Assert.Equal(
            Hex("8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a" +
                "51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce"),
            buffer[..length]);
    }

    [Fact]
    public void TryUnprotectRtp_Rfc7714Section16_1_RecoversPlaintext()
    {
        using SrtpSession session = GcmSession(SrtpDirection.Unprotect);
        byte[] wire = Hex("8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a" +
                          "51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce");

        Assert.True(session.TryUnprotectRtp(wire, wire.Length, out int length, out SrtpError error), error.ToString());

        Assert.Equal(Hex(Rfc7714Rtp), wire[..length]);
    }

    [Fact]
    public void TryProtectRtcp_Rfc7714Section17_1_MatchesVector()
    {
        using SrtpSession session = GcmSession(SrtpDirection.Protect);
        session.SetNextRtcpIndex(0x4d617273, 0x5d4);
        byte[] plain = Hex(Rfc7714Rtcp);
        byte[] buffer = new byte[plain.Length + 20];
        plain.CopyTo(buffer, 0);

        Assert.True(session.TryProtectRtcp(buffer, plain.Length, out int length, out SrtpError error), error.ToString());

        Assert.Equal(Rfc7714Srtcp171(), buffer[..length]);
    }

    [Fact]
    public void TryUnprotectRtcp_Rfc7714Section17_1_RecoversPlaintext()
    {
        using SrtpSession session = GcmSession(SrtpDirection.Unprotect);
        byte[] wire = Rfc7714Srtcp171();

        Assert.True(session.TryUnprotectRtcp(wire, wire.Length, out int length, out SrtpError error), error.ToString());

        Assert.Equal(Hex(Rfc7714Rtcp), wire[..length]);
    }

    [Fact]
    public void TryProtectRtcp_Rfc7714Section17_3AuthenticationOnly_MatchesVectorAndVerifies()
    {
        using SrtpSession sender = GcmSession(SrtpDirection.Protect);
        sender.SetNextRtcpIndex(0x4d617273, 0x5d4);
        byte[] plain = Hex(Rfc7714Rtcp);
        byte[] buffer = new byte[plain.Length + 20];
        plain.CopyTo(buffer, 0);

        Assert.True(sender.TryProtectRtcp(buffer, plain.Length, encrypt: false, out int length, out SrtpError error), error.ToString());
        Assert.Equal(Hex(Rfc7714Rtcp + "841dd968 3dd78ec9 2ae58790 125f62b3 000005d4"), buffer[..length]);

        using SrtpSession receiver = GcmSession(SrtpDirection.Unprotect);
        Assert.True(receiver.TryUnprotectRtcp(buffer, length, out int plainLength, out error), error.ToString());
        Assert.Equal(plain, buffer[..plainLength]);
    }

    [Fact]
    public void TryProtectRtp_LibsrtpReferencePacket_MatchesVector()
    {
        // libsrtp test/srtp_driver.c srtp_validate(): RFC 3711 B.3 master key, SSRC 0xcafebabe, seq 0x1234.
        using var session = new SrtpSession(CmKey(), SrtpDirection.Protect);
        byte[] buffer = new byte[28 + 10];
        Hex("800f1234decafbadcafebabe abababababababababababababababab").CopyTo(buffer, 0);

        Assert.True(session.TryProtectRtp(buffer, 28, out int length, out SrtpError error), error.ToString());

        Assert.Equal(Hex("800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb"), buffer[..length]);
    }

    [Fact]
    public void TryProtectRtcp_LibsrtpReferencePacket_MatchesVector()
    {
        // libsrtp srtp_validate(): first SRTCP packet carries index 1 with the E flag.
        using var session = new SrtpSession(CmKey(), SrtpDirection.Protect);
        session.SetNextRtcpIndex(0xcafebabe, 1);
        byte[] buffer = new byte[24 + 14];
        Hex("81c8000bcafebabe abababababababababababababababab").CopyTo(buffer, 0);

        Assert.True(session.TryProtectRtcp(buffer, 24, out int length, out SrtpError error), error.ToString());

        Assert.Equal(Hex("81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798"), buffer[..length]);
    }

    [Fact]
    public void TryUnprotect_LibsrtpReferencePackets_RecoverPlaintext()
    {
        using var session = new SrtpSession(CmKey(), SrtpDirection.Unprotect);
        byte[] rtp = Hex("800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb");
        byte[] rtcp = Hex("81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798");

        Assert.True(session.TryUnprotectRtp(rtp, rtp.Length, out int rtpLength, out SrtpError error), error.ToString());
        Assert.True(session.TryUnprotectRtcp(rtcp, rtcp.Length, out int rtcpLength, out error), error.ToString());

        Assert.Equal(Hex("800f1234decafbadcafebabe abababababababababababababababab"), rtp[..rtpLength]);
        Assert.Equal(Hex("81c8000bcafebabe abababababababababababababababab"), rtcp[..rtcpLength]);
    }

    private static byte[] Rfc7714Srtcp171() =>
        Hex("81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d c676a5f1 730d6fda" +
            "4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4");

    private static SrtpMasterKey CmKey()
    {
        Assert.True(SrtpMasterKey.TryCreate(SrtpProfile.Aes128CmHmacSha1Tag80, Hex(CmMasterKey), Hex(CmMasterSalt), out SrtpMasterKey? key, out _));
        return key!;
    }

    /// <summary>The RFC 7714 vectors give session keys directly (no derivation step), for SRTP and SRTCP alike.</summary>
    private static SrtpSession GcmSession(SrtpDirection direction) =>
        new(
            SrtpProfile.AeadAes128Gcm,
            direction,
            new SrtpAesGcmCipher(Hex(GcmSessionKey), Hex(GcmSessionSalt)),
            new SrtpAesGcmCipher(Hex(GcmSessionKey), Hex(GcmSessionSalt)));
}
