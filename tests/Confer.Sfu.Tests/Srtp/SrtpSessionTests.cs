using Confer.Sfu.Srtp;
using static Confer.Sfu.Tests.Srtp.SrtpTestData;

namespace Confer.Sfu.Tests.Srtp;

/// <summary>Round trips, replay, rollover and tampering through <see cref="SrtpSession"/>.</summary>
public sealed class SrtpSessionTests
{
    public static TheoryData<SrtpProfile, int, bool, int> RoundTripCases()
    {
        var data = new TheoryData<SrtpProfile, int, bool, int>();
        foreach (SrtpProfile profile in new[] { SrtpProfile.Aes128CmHmacSha1Tag80, SrtpProfile.AeadAes128Gcm })
        {
            foreach ((int csrcs, bool extension) in new[] { (0, false), (2, false), (0, true), (15, true) })
            {
                foreach (int payload in new[] { 0, 1, 17, 160, 1188 })
                {
                    data.Add(profile, csrcs, extension, payload);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void TryProtectRtp_ThenUnprotect_RestoresPacketAndLeavesHeaderClear(SrtpProfile profile, int csrcs, bool extension, int payload)
    {
        (SrtpSession sender, SrtpSession receiver) = Pair(profile);
        byte[] buffer = RtpBytes(0x1234_5678, 1000, payload, csrcs, extension);
        int length = RtpLength(buffer);
        byte[] original = buffer[..length];
        int headerLength = length - payload;

        Assert.True(sender.TryProtectRtp(buffer, length, out int wireLength, out SrtpError error), error.ToString());
        Assert.Equal(length + SrtpProfiles.RtpOverhead(profile), wireLength);
        Assert.Equal(original[..headerLength], buffer[..headerLength]);
        if (payload >= 16)
        {
            Assert.NotEqual(original[headerLength..], buffer[headerLength..length]);
        }

        Assert.True(receiver.TryUnprotectRtp(buffer, wireLength, out int plainLength, out error), error.ToString());
        Assert.Equal(original, buffer[..plainLength]);
    }

    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80)]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    public void TryProtectRtcp_ThenUnprotect_RestoresCompoundPacket(SrtpProfile profile)
    {
        (SrtpSession sender, SrtpSession receiver) = Pair(profile);
        for (int i = 0; i < 3; i++)
        {
            byte[] buffer = RtcpBytes(0xABCD_0001, extraWords: i * 5);
            int length = buffer.Length - SrtpProfiles.MaxProtectOverhead;
            byte[] original = buffer[..length];

            Assert.True(sender.TryProtectRtcp(buffer, length, out int wireLength, out SrtpError error), error.ToString());
            Assert.Equal(length + SrtpProfiles.RtcpOverhead(profile), wireLength);
            Assert.Equal(original[..8], buffer[..8]);
            Assert.NotEqual(original[8..], buffer[8..length]);

            Assert.True(receiver.TryUnprotectRtcp(buffer, wireLength, out int plainLength, out error), error.ToString());
            Assert.Equal(original, buffer[..plainLength]);
        }
    }

    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80)]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    public void TryUnprotectRtp_SamePacketTwice_Replayed(SrtpProfile profile)
    {
        (SrtpSession sender, SrtpSession receiver) = Pair(profile);
        byte[] wire = Protect(sender, 7, 5);

        Assert.True(receiver.TryUnprotectRtp(wire.ToArray(), wire.Length, out _, out _));
        Assert.False(receiver.TryUnprotectRtp(wire.ToArray(), wire.Length, out _, out SrtpError error));
        Assert.Equal(SrtpError.Replayed, error);
    }

    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80)]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    public void TryUnprotectRtp_ReorderedInsideWindow_AcceptedOnceThenBehindWindowTooOld(SrtpProfile profile)
    {
        (SrtpSession sender, SrtpSession receiver) = Pair(profile);
        var wire = new List<byte[]>();
        for (ushort seq = 0; seq <= 300; seq++)
        {
            wire.Add(Protect(sender, 7, seq));
        }

        for (int seq = 0; seq <= 300; seq++)
        {
            if (seq is 10 or 250)
            {
                continue;
            }

            Assert.True(receiver.TryUnprotectRtp(wire[seq], wire[seq].Length, out _, out SrtpError error), $"{seq}: {error}");
        }

        Assert.True(receiver.TryUnprotectRtp(wire[250], wire[250].Length, out _, out _));
        Assert.False(receiver.TryUnprotectRtp(wire[10], wire[10].Length, out _, out SrtpError old));
        Assert.Equal(SrtpError.TooOld, old);
    }

    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80)]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    public void TryUnprotectRtp_SequenceWrapsFrom65535To0_RollsOverAndAcceptsLateOldRoc(SrtpProfile profile)
    {
        (SrtpSession sender, SrtpSession receiver) = Pair(profile);
        ushort[] order = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3];
        var wire = order.ToDictionary(seq => seq, seq => Protect(sender, 9, seq));
        Assert.True(sender.TryGetRtpIndex(9, out uint senderRoc, out _));
        Assert.Equal(1u, senderRoc);

        // 65534 arrives after the wrap: it must be decoded with ROC 0, the others with ROC 1.
        foreach (ushort seq in new ushort[] { 65530, 65531, 65532, 65533, 65535, 0, 1, 65534, 2, 3 })
        {
            Assert.True(receiver.TryUnprotectRtp(wire[seq], wire[seq].Length, out _, out SrtpError error), $"{seq}: {error}");
        }

        Assert.True(receiver.TryGetRtpIndex(9, out uint roc, out ushort highest));
        Assert.Equal(1u, roc);
        Assert.Equal((ushort)3, highest);
    }

    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80)]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    public void TryUnprotectRtp_AnyByteFlipped_AuthenticationFailedAndStateUntouched(SrtpProfile profile)
    {
        (SrtpSession sender, SrtpSession receiver) = Pair(profile);
        byte[] wire = Protect(sender, 3, 100, csrcs: 1, extension: true, payload: 40);

        for (int i = 0; i < wire.Length; i++)
        {
            if (i == 0)
            {
                continue; // flipping bit 0 of the first byte changes the CSRC count: Malformed, covered elsewhere
            }

            byte[] tampered = wire.ToArray();
            tampered[i] ^= 0x01;
            Assert.False(receiver.TryUnprotectRtp(tampered, tampered.Length, out _, out SrtpError error));
            Assert.True(error is SrtpError.AuthenticationFailed or SrtpError.Malformed, $"byte {i}: {error}");
            if (i != 18 && i != 19) // the extension length field may push the header past the packet
            {
                Assert.Equal(SrtpError.AuthenticationFailed, error);
            }
        }

        Assert.Equal(0, receiver.SsrcCount);
        Assert.True(receiver.TryUnprotectRtp(wire, wire.Length, out _, out SrtpError ok), ok.ToString());
    }

    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80)]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    public void TryUnprotectRtcp_ByteFlippedOrReplayed_Refused(SrtpProfile profile)
    {
        (SrtpSession sender, SrtpSession receiver) = Pair(profile);
        byte[] buffer = RtcpBytes(0x77);
        int length = buffer.Length - SrtpProfiles.MaxProtectOverhead;
        Assert.True(sender.TryProtectRtcp(buffer, length, out int wireLength, out _));
        byte[] wire = buffer[..wireLength];

        for (int i = 1; i < wire.Length; i++)
        {
            byte[] tampered = wire.ToArray();
            tampered[i] ^= 0x80;
            Assert.False(receiver.TryUnprotectRtcp(tampered, tampered.Length, out _, out SrtpError error), $"byte {i}");
            Assert.Equal(SrtpError.AuthenticationFailed, error);
        }

        Assert.True(receiver.TryUnprotectRtcp(wire.ToArray(), wire.Length, out _, out SrtpError first), first.ToString());
        Assert.False(receiver.TryUnprotectRtcp(wire.ToArray(), wire.Length, out _, out SrtpError second));
        Assert.Equal(SrtpError.Replayed, second);
    }

    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80)]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    public void TryUnprotectRtp_OtherMasterKey_AuthenticationFailed(SrtpProfile profile)
    {
        using var sender = new SrtpSession(MasterKey(profile, 0x11), SrtpDirection.Protect);
        using var receiver = new SrtpSession(MasterKey(profile, 0x12), SrtpDirection.Unprotect);
        byte[] wire = Protect(sender, 1, 1);

        Assert.False(receiver.TryUnprotectRtp(wire, wire.Length, out _, out SrtpError error));
        Assert.Equal(SrtpError.AuthenticationFailed, error);
    }

    [Fact]
    public void TryProtectRtp_SameSequenceTwice_ReplayedSoKeystreamIsNeverReused()
    {
        (SrtpSession sender, _) = Pair(SrtpProfile.AeadAes128Gcm);
        Protect(sender, 1, 42);
        byte[] again = RtpBytes(1, 42, 20);

        Assert.False(sender.TryProtectRtp(again, RtpLength(again), out _, out SrtpError error));
        Assert.Equal(SrtpError.Replayed, error);
    }

    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80)]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    public void TryProtect_NewSsrcBeyondCap_TooManySsrcs(SrtpProfile profile)
    {
        (SrtpSession sender, SrtpSession receiver) = Pair(profile, maxSsrcs: 2);
        byte[] one = Protect(sender, 1, 1);
        byte[] two = Protect(sender, 2, 1);
        byte[] three = RtpBytes(3, 1, 20);
        byte[] rtcp = RtcpBytes(3);

        Assert.False(sender.TryProtectRtp(three, RtpLength(three), out _, out SrtpError rtpError));
        Assert.False(sender.TryProtectRtcp(rtcp, rtcp.Length - 20, out _, out SrtpError rtcpError));
        Assert.Equal(SrtpError.TooManySsrcs, rtpError);
        Assert.Equal(SrtpError.TooManySsrcs, rtcpError);
        Assert.True(sender.TryProtectRtp(RtpBytes(1, 2, 20), RtpLength(RtpBytes(1, 2, 20)), out _, out _));

        // Forged packets do not take slots: only authenticated SSRCs are remembered.
        byte[] forged = RtpBytes(99, 1, 20);
        Assert.False(receiver.TryUnprotectRtp(forged, forged.Length, out _, out SrtpError forgedError));
        Assert.Equal(SrtpError.AuthenticationFailed, forgedError);
        Assert.True(receiver.TryUnprotectRtp(one, one.Length, out _, out _));
        Assert.True(receiver.TryUnprotectRtp(two, two.Length, out _, out _));
        Assert.Equal(2, receiver.SsrcCount);
        Assert.False(receiver.TryUnprotectRtp(forged, forged.Length, out _, out SrtpError fullError));
        Assert.Equal(SrtpError.TooManySsrcs, fullError);
    }

    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80)]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    public void TryProtect_NoRoomForTag_BufferTooSmall(SrtpProfile profile)
    {
        (SrtpSession sender, _) = Pair(profile);
        byte[] rtp = RtpBytes(1, 1, 20, headroom: SrtpProfiles.RtpOverhead(profile) - 1);
        byte[] rtcp = RtcpBytes(1, headroom: SrtpProfiles.RtcpOverhead(profile) - 1);

        Assert.False(sender.TryProtectRtp(rtp, rtp.Length - SrtpProfiles.RtpOverhead(profile) + 1, out _, out SrtpError rtpError));
        Assert.False(sender.TryProtectRtcp(rtcp, 28, out _, out SrtpError rtcpError));
        Assert.Equal(SrtpError.BufferTooSmall, rtpError);
        Assert.Equal(SrtpError.BufferTooSmall, rtcpError);
    }

    [Theory]
    [InlineData("800f1234decafbad", SrtpError.TooShort)]
    [InlineData("400f1234decafbadcafebabe00000000000000000000000000000000", SrtpError.Malformed)]
    [InlineData("830f1234decafbadcafebabe0000000100000002", SrtpError.Malformed)]
    [InlineData("900f1234decafbadcafebabebede0004aabbccdd", SrtpError.Malformed)]
    [InlineData("900f1234decafbadcafebabebede", SrtpError.Malformed)]
    public void TryProtectRtp_BadHeader_RefusedWithReason(string hex, SrtpError expected)
    {
        (SrtpSession sender, _) = Pair(SrtpProfile.Aes128CmHmacSha1Tag80);
        byte[] packet = Hex(hex);
        byte[] buffer = new byte[packet.Length + 20];
        packet.CopyTo(buffer, 0);

        Assert.False(sender.TryProtectRtp(buffer, packet.Length, out _, out SrtpError error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryUnprotect_ShorterThanHeaderAndTag_TooShort()
    {
        (_, SrtpSession receiver) = Pair(SrtpProfile.AeadAes128Gcm);
        byte[] rtp = new byte[27];
        rtp[0] = 0x80;
        byte[] rtcp = new byte[27];
        rtcp[0] = 0x80;

        Assert.False(receiver.TryUnprotectRtp(rtp, rtp.Length, out _, out SrtpError rtpError));
        Assert.False(receiver.TryUnprotectRtcp(rtcp, rtcp.Length, out _, out SrtpError rtcpError));
        Assert.Equal(SrtpError.TooShort, rtpError);
        Assert.Equal(SrtpError.TooShort, rtcpError);
    }

    [Fact]
    public void TryProtectRtp_OnUnprotectSession_Throws()
    {
        (_, SrtpSession receiver) = Pair(SrtpProfile.AeadAes128Gcm);
        byte[] packet = RtpBytes(1, 1, 10);

        Assert.Throws<InvalidOperationException>(() => receiver.TryProtectRtp(packet, RtpLength(packet), out _, out _));
    }

    [Fact]
    public void TryProtectRtcp_IndexSpaceUsedUp_IndexExhausted()
    {
        (SrtpSession sender, _) = Pair(SrtpProfile.Aes128CmHmacSha1Tag80);
        sender.SetNextRtcpIndex(5, 0x7FFF_FFFF);
        byte[] last = RtcpBytes(5);
        byte[] next = RtcpBytes(5);

        Assert.True(sender.TryProtectRtcp(last, 28, out _, out _));
        Assert.False(sender.TryProtectRtcp(next, 28, out _, out SrtpError error));
        Assert.Equal(SrtpError.IndexExhausted, error);
    }

    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80)]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    public void TryUnprotectRtcp_AuthenticatedOnlyPacket_AcceptedAndLeftClear(SrtpProfile profile)
    {
        (SrtpSession sender, SrtpSession receiver) = Pair(profile);
        byte[] buffer = RtcpBytes(0x42, extraWords: 3);
        int length = buffer.Length - SrtpProfiles.MaxProtectOverhead;
        byte[] original = buffer[..length];

        Assert.True(sender.TryProtectRtcp(buffer, length, encrypt: false, out int wireLength, out _));
        Assert.Equal(original, buffer[..length]);
        Assert.True(receiver.TryUnprotectRtcp(buffer, wireLength, out int plainLength, out SrtpError error), error.ToString());

        Assert.Equal(original, buffer[..plainLength]);
    }

    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80)]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    public void TryUnprotectRtcp_IndexBehindWindow_TooOld(SrtpProfile profile)
    {
        (SrtpSession sender, SrtpSession receiver) = Pair(profile);
        var wire = new List<byte[]>();
        for (int i = 0; i < 200; i++)
        {
            byte[] buffer = RtcpBytes(0x43);
            Assert.True(sender.TryProtectRtcp(buffer, 28, out int wireLength, out _));
            wire.Add(buffer[..wireLength]);
        }

        for (int i = 1; i < 200; i++)
        {
            Assert.True(receiver.TryUnprotectRtcp(wire[i], wire[i].Length, out _, out SrtpError error), $"{i}: {error}");
        }

        Assert.False(receiver.TryUnprotectRtcp(wire[0], wire[0].Length, out _, out SrtpError old));
        Assert.Equal(SrtpError.TooOld, old);
    }

    private static byte[] Protect(SrtpSession sender, uint ssrc, ushort seq, int csrcs = 0, bool extension = false, int payload = 30)
    {
        byte[] buffer = RtpBytes(ssrc, seq, payload, csrcs, extension);
        Assert.True(sender.TryProtectRtp(buffer, RtpLength(buffer), out int length, out SrtpError error), error.ToString());
        return buffer[..length];
    }
}
