using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using Confer.Sfu.Dtls;
using Confer.Sfu.Session;
using Confer.Sfu.Tests.Session.Client;
using Xunit.Abstractions;

namespace Confer.Sfu.Tests.Session.Transport;

/// <summary>
/// The per-packet path allocates nothing once warm: demux → unprotect in place → receiver → protect in place → send on a
/// real socket. Also prints packets/s for that loop and for protect+send alone (one thread; the machine is shared with
/// other builds, so the figures are indicative).
/// </summary>
public sealed class TransportHotPathTests(ITestOutputHelper output)
{
    /// <summary>Forwards every RTP packet it gets back out through a sender, as a one-subscriber graph would.</summary>
    private sealed class Forwarder(IRtpPacketSender sender) : IRtpPacketReceiver
    {
        private readonly byte[] _buffer = new byte[1500 + IRtpPacketSender.ProtectionHeadroom];
        public int Forwarded;

        public void OnRtp(Span<byte> packet)
        {
            packet.CopyTo(_buffer);
            if (sender.SendRtp(_buffer, packet.Length)) Forwarded++;
        }

        public void OnRtcp(Span<byte> packet) { }
    }

    public static TheoryData<int> Profiles => new() { DtlsSrtpProfile.AeadAes128Gcm, DtlsSrtpProfile.Aes128CmHmacSha1_80 };

    [Theory]
    [MemberData(nameof(Profiles))]
    public void ReceiveUnprotectForwardProtectSend_AfterWarmUp_AllocatesNothing(int profile)
    {
        using var harness = new TransportHarness();
        var (transport, client) = harness.Connect([profile]);
        var forwarder = new Forwarder(transport);
        transport.Receiver = forwarder;
        SocketAddress from = client.LocalEndPoint.Serialize();

        const int warmUp = 2000, measured = 5000, rounds = 3;
        var packets = new byte[warmUp + rounds * measured][];
        for (int i = 0; i < packets.Length; i++) packets[i] = client.Protect(SfuTestClient.RtpPacket((ushort)(10 + i), payloadLength: 1100));
        var work = new byte[2048];

        for (int i = 0; i < warmUp; i++) Feed(harness, packets[i], work, from);
        Thread.Sleep(200); // let tiered JIT finish promoting what the warm-up ran
        // Up to three measured rounds: tiered JIT may allocate once while promoting a callee, a per-packet allocation
        // shows in every round. The last round's figure is the one asserted.
        var clock = new Stopwatch(); // made before the count: it is an object
        long allocated = 0;
        int next = warmUp;
        for (int round = 0; round < rounds; round++)
        {
            clock.Reset();
            long before = GC.GetAllocatedBytesForCurrentThread();
            clock.Start();
            for (int i = 0; i < measured; i++) Feed(harness, packets[next++], work, from);
            clock.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated == 0) break;
        }

        Assert.Equal(next, forwarder.Forwarded);
        Assert.Equal(0, transport.DecryptFailures);
        AssertNoAllocation(transport, allocated, measured * 2);
        output.WriteLine($"{transport.Profile}: demux+unprotect+forward+protect+send {measured / clock.Elapsed.TotalSeconds:N0} packets/s " +
                         $"({clock.Elapsed.TotalMicroseconds / measured:N2} µs each, 1112-byte RTP)");
    }

    private static void Feed(TransportHarness harness, byte[] packet, byte[] work, SocketAddress from)
    {
        packet.CopyTo(work, 0);
        harness.Server.Dispatch(work.AsSpan(0, packet.Length), from);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void SendRtp_ProtectAndSendLoop_AllocatesNothingAndReportsRate(int profile)
    {
        using var harness = new TransportHarness();
        var (transport, _) = harness.Connect([profile]);
        var template = SfuTestClient.RtpPacket(0, ssrc: 0x7777_0001, payloadLength: 1100);
        var buffer = new byte[template.Length + IRtpPacketSender.ProtectionHeadroom];
        ushort seq = 0;
        bool SendOne()
        {
            template.CopyTo(buffer, 0);
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), ++seq);
            return transport.SendRtp(buffer, template.Length);
        }
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 2000 || (warm.ElapsedMilliseconds < 300 && i < 100_000); i++) Assert.True(SendOne());

        var clock = new Stopwatch();
        long allocated = 0;
        int sent = 0;
        for (int round = 0; round < 3; round++) // as above: the last of up to three rounds is asserted
        {
            clock.Reset();
            sent = 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            clock.Start();
            while (sent < 20_000 && clock.ElapsedMilliseconds < 1000) // bounded in count and time
            {
                if (SendOne()) sent++;
            }
            clock.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated == 0) break;
        }
        Assert.True(sent > 1000);
        AssertNoAllocation(transport, allocated, sent);
        output.WriteLine($"{transport.Profile}: protect+send {sent / clock.Elapsed.TotalSeconds:N0} packets/s " +
                         $"({sent * (double)(template.Length + 16) * 8 / clock.Elapsed.TotalSeconds / 1e9:N2} Gbit/s of 1112-byte RTP)");
    }

    [Fact]
    public void Connect_FiveInARow_ReportsIceAndDtlsSetupTime()
    {
        using var harness = new TransportHarness();
        var times = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            var (transport, _) = harness.Connect();
            times.Add(clock.Elapsed.TotalMilliseconds);
            Assert.Equal(MediaTransportState.Connected, transport.State);
        }
        Assert.Equal(5, harness.Transports.Totals().Connected);
        output.WriteLine($"check + DTLS handshake + SRTP setup: {string.Join(", ", times.Select(t => t.ToString("N1")))} ms (median {times.Order().ElementAt(2):N1})");
    }

    /// <summary>
    /// Zero for AES-GCM. The AES-CM cipher (Srtp/AesCounterMode) calls Aes.EncryptEcb once per 512-byte chunk, and on
    /// Linux each one-shot call builds a native cipher context: 64 bytes per chunk (measured), which is Srtp's to fix (a
    /// kept ECB context). Until then the AES-CM case checks the transport adds nothing beyond that: 3 chunks of a
    /// 1100-byte payload per cipher call, 64 bytes each.
    /// </summary>
    private void AssertNoAllocation(MediaTransport transport, long allocated, int cipherCalls)
    {
        output.WriteLine($"{transport.Profile}: {allocated} bytes allocated over {cipherCalls} cipher calls");
        if (transport.Profile == Confer.Sfu.Srtp.SrtpProfile.AeadAes128Gcm) Assert.Equal(0, allocated);
        else Assert.InRange(allocated / (double)cipherCalls, 0, (3 * 64) + 8); // plus one-offs inside the platform cipher (448 B to 8 KB seen)
    }
}
