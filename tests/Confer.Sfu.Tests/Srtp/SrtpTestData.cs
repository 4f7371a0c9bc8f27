using Confer.Sfu.Srtp;

namespace Confer.Sfu.Tests.Srtp;

/// <summary>Keys, packets and helpers shared by the SRTP tests.</summary>
internal static class SrtpTestData
{
    /// <summary>RFC 3711 Appendix B.3 master key (also libsrtp's srtp_driver reference key).</summary>
    public const string CmMasterKey = "E1F97A0D3E018BE0D64FA32C06DE4139";

    /// <summary>RFC 3711 Appendix B.3 master salt.</summary>
    public const string CmMasterSalt = "0EC675AD498AFEEBB6960B3AABE6";

    /// <summary>RFC 7714 §16/§17 session key (AEAD_AES_128_GCM).</summary>
    public const string GcmSessionKey = "000102030405060708090a0b0c0d0e0f";

    /// <summary>RFC 7714 §16/§17 session salt, "Quid pro quo".</summary>
    public const string GcmSessionSalt = "517569642070726f2071756f";

    /// <summary>Hex to bytes, ignoring whitespace.</summary>
    public static byte[] Hex(string hex) =>
        Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    public static SrtpMasterKey MasterKey(SrtpProfile profile, byte fill = 0x11)
    {
        byte[] key = Enumerable.Range(0, SrtpProfiles.KeyLength(profile)).Select(i => (byte)(fill + i)).ToArray();
        byte[] salt = Enumerable.Range(0, SrtpProfiles.SaltLength(profile)).Select(i => (byte)(fill * 3 + i)).ToArray();
        Assert.True(SrtpMasterKey.TryCreate(profile, key, salt, out SrtpMasterKey? master, out _));
        return master!;
    }

    public static (SrtpSession Sender, SrtpSession Receiver) Pair(SrtpProfile profile, int maxSsrcs = SrtpSession.DefaultMaxSsrcs)
    {
        SrtpMasterKey key = MasterKey(profile);
        return (new SrtpSession(key, SrtpDirection.Protect, maxSsrcs), new SrtpSession(key, SrtpDirection.Unprotect, maxSsrcs));
    }

    /// <summary>
    /// An RTP packet with <paramref name="csrcs"/> CSRCs, an optional one-byte-header extension
    /// (RFC 8285, 2 words) and a patterned payload, in a buffer with <paramref name="headroom"/> spare bytes.
    /// </summary>
    public static byte[] RtpBytes(uint ssrc, ushort seq, int payload, int csrcs = 0, bool extension = false, int headroom = SrtpProfiles.MaxProtectOverhead)
    {
        int header = 12 + 4 * csrcs + (extension ? 12 : 0);
        byte[] buffer = new byte[header + payload + headroom];
        buffer[0] = (byte)(0x80 | (extension ? 0x10 : 0) | csrcs);
        buffer[1] = 96;
        buffer[2] = (byte)(seq >> 8);
        buffer[3] = (byte)seq;
        buffer[4] = 0x12;
        buffer[7] = 0x78;
        buffer[8] = (byte)(ssrc >> 24);
        buffer[9] = (byte)(ssrc >> 16);
        buffer[10] = (byte)(ssrc >> 8);
        buffer[11] = (byte)ssrc;
        int at = 12;
        for (int i = 0; i < csrcs; i++, at += 4)
        {
            buffer[at + 3] = (byte)(0xC0 + i);
        }

        if (extension)
        {
            buffer[at] = 0xBE;
            buffer[at + 1] = 0xDE;
            buffer[at + 3] = 2;
            buffer[at + 4] = 0x10; // id 1, length 1
            buffer[at + 5] = 0x42;
            at += 12;
        }

        for (int i = 0; i < payload; i++)
        {
            buffer[at + i] = (byte)(i * 7 + 1);
        }

        return buffer;
    }

    /// <summary>A sender report (RFC 3550 §6.4.1) with no report blocks followed by padding words.</summary>
    public static byte[] RtcpBytes(uint ssrc, int extraWords = 0, int headroom = SrtpProfiles.MaxProtectOverhead)
    {
        int length = 28 + 4 * extraWords;
        byte[] buffer = new byte[length + headroom];
        buffer[0] = 0x80;
        buffer[1] = 200;
        buffer[3] = (byte)(length / 4 - 1);
        buffer[4] = (byte)(ssrc >> 24);
        buffer[5] = (byte)(ssrc >> 16);
        buffer[6] = (byte)(ssrc >> 8);
        buffer[7] = (byte)ssrc;
        for (int i = 8; i < length; i++)
        {
            buffer[i] = (byte)(i * 13);
        }

        return buffer;
    }

    public static int RtpLength(byte[] packet) => packet.Length - SrtpProfiles.MaxProtectOverhead;
}
