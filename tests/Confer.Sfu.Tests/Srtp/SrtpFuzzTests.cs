using Confer.Sfu.Srtp;
using CsCheck;
using static Confer.Sfu.Tests.Srtp.SrtpTestData;

namespace Confer.Sfu.Tests.Srtp;

/// <summary>What a stranger sends never throws and never passes as authentic.</summary>
public sealed class SrtpFuzzTests
{
    private const int Iterations = 3000;

    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80)]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    public void TryUnprotect_RandomBytes_NeverThrowNeverAuthenticate(SrtpProfile profile)
    {
        (_, SrtpSession receiver) = Pair(profile);
        Gen.Byte.Array[0, 300].Sample(
            bytes =>
            {
                Assert.False(receiver.TryUnprotectRtp(bytes.ToArray(), bytes.Length, out _, out _));
                Assert.False(receiver.TryUnprotectRtcp(bytes.ToArray(), bytes.Length, out _, out _));
            },
            iter: Iterations, threads: 1); // a session has one owner thread
        Assert.Equal(0, receiver.SsrcCount);
    }

    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80)]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    public void TryUnprotect_MutatedGenuinePackets_NeverThrowNeverAuthenticate(SrtpProfile profile)
    {
        (SrtpSession sender, SrtpSession receiver) = Pair(profile);
        byte[] rtpBuffer = RtpBytes(0x5555, 500, 64, csrcs: 2, extension: true);
        Assert.True(sender.TryProtectRtp(rtpBuffer, RtpLength(rtpBuffer), out int rtpLength, out _));
        byte[] rtp = rtpBuffer[..rtpLength];
        byte[] rtcpBuffer = RtcpBytes(0x5555, extraWords: 4);
        Assert.True(sender.TryProtectRtcp(rtcpBuffer, rtcpBuffer.Length - 20, out int rtcpLength, out _));
        byte[] rtcp = rtcpBuffer[..rtcpLength];

        Gen<(int Position, byte Flip, int Cut)> mutations =
            from position in Gen.Int[0, 200]
            from flip in Gen.Byte[1, 255]
            from cut in Gen.Int[0, 8]
            select (position, flip, cut);

        mutations.Sample(
            m =>
            {
                foreach (byte[] genuine in new[] { rtp, rtcp })
                {
                    byte[] copy = genuine.ToArray();
                    copy[m.Position % copy.Length] ^= m.Flip;
                    int length = copy.Length - m.Cut;
                    bool isRtp = ReferenceEquals(genuine, rtp);
                    bool ok = isRtp
                        ? receiver.TryUnprotectRtp(copy, length, out _, out SrtpError error)
                        : receiver.TryUnprotectRtcp(copy, length, out _, out error);
                    Assert.False(ok);
                    Assert.NotEqual(SrtpError.None, error);
                }
            },
            iter: Iterations, threads: 1); // a session has one owner thread
    }

    [Fact]
    public void TryProtect_RandomBytes_NeverThrow()
    {
        (SrtpSession sender, _) = Pair(SrtpProfile.AeadAes128Gcm, maxSsrcs: 4);
        Gen.Byte.Array[0, 120].Sample(
            bytes =>
            {
                byte[] buffer = new byte[bytes.Length + 20];
                bytes.CopyTo(buffer, 0);
                sender.TryProtectRtp(buffer, bytes.Length, out _, out _);
                bytes.CopyTo(buffer, 0);
                sender.TryProtectRtcp(buffer, bytes.Length, out _, out _);
            },
            iter: Iterations, threads: 1); // a session has one owner thread
        Assert.True(sender.SsrcCount <= 4);
    }
}
