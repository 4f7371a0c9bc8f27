using System.Buffers.Binary;
using System.Diagnostics;
using Confer.Sfu.Srtp;
using Xunit.Abstractions;
using static Confer.Sfu.Tests.Srtp.SrtpTestData;

namespace Confer.Sfu.Tests.Srtp;

/// <summary>The per-packet path allocates nothing; a short throughput figure for each profile.</summary>
public sealed class SrtpPerformanceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(SrtpProfile.Aes128CmHmacSha1Tag80)]
    [InlineData(SrtpProfile.AeadAes128Gcm)]
    public void ProtectUnprotect_TenThousandPacketsAfterWarmUp_AllocateNothing(SrtpProfile profile)
    {
        (SrtpSession sender, SrtpSession receiver) = Pair(profile);
        byte[] rtp = RtpBytes(0x1111, 0, 1188, csrcs: 1, extension: true);
        byte[] rtcp = RtcpBytes(0x1111, extraWords: 20);
        int rtpLength = RtpLength(rtp);
        int rtcpLength = rtcp.Length - SrtpProfiles.MaxProtectOverhead;
        ushort seq = 0;

        Run(100); // warm-up: JIT, the SSRC entries, crypto contexts
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);

        void Run(int count)
        {
            for (int i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(rtp.AsSpan(2), seq++);
                Assert.True(sender.TryProtectRtp(rtp, rtpLength, out int wire, out _));
                Assert.True(receiver.TryUnprotectRtp(rtp, wire, out int plain, out _));
                Assert.True(plain == rtpLength);
                Assert.True(sender.TryProtectRtcp(rtcp, rtcpLength, out wire, out _));
                Assert.True(receiver.TryUnprotectRtcp(rtcp, wire, out plain, out _));
                Assert.True(plain == rtcpLength);
            }
        }
    }

    [Fact]
    public void ProtectUnprotect_1200BytePackets_PrintsPairsPerCpuSecond()
    {
        foreach (SrtpProfile profile in new[] { SrtpProfile.Aes128CmHmacSha1Tag80, SrtpProfile.AeadAes128Gcm })
        {
            (SrtpSession sender, SrtpSession receiver) = Pair(profile);
            byte[] rtp = RtpBytes(0x2222, 0, 1200 - 12);
            int length = RtpLength(rtp);
            ushort seq = 0;
            bool ok = true;
            for (int i = 0; i < 2000; i++)
            {
                ok &= Pair1();
            }

            var process = Process.GetCurrentProcess();
            TimeSpan cpuBefore = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            int pairs = 0;
            while (wall.ElapsedMilliseconds < 1500)
            {
                for (int i = 0; i < 1000; i++)
                {
                    ok &= Pair1();
                }

                pairs += 1000;
            }

            wall.Stop();
            process.Refresh();
            double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
            Assert.True(ok);
            output.WriteLine(
                $"{profile}: {pairs} protect+unprotect pairs of 1200-byte RTP in {wall.Elapsed.TotalSeconds:F2} s wall, " +
                $"{cpu:F2} s process CPU: {pairs / cpu:N0} pairs per CPU-second, {pairs / wall.Elapsed.TotalSeconds:N0} per wall second " +
                $"({pairs * 1200.0 * 8 / cpu / 1e9:F2} Gbit/s each way)");

            bool Pair1()
            {
                BinaryPrimitives.WriteUInt16BigEndian(rtp.AsSpan(2), seq++);
                bool a = sender.TryProtectRtp(rtp, length, out int wire, out _);
                bool b = receiver.TryUnprotectRtp(rtp, wire, out _, out _);
                return a && b;
            }
        }
    }
}
