using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Confer.Sfu.Dtls;
using Confer.Sfu.Session;
using Confer.Sfu.Tests.Session.Client;
using Xunit.Abstractions;

namespace Confer.Sfu.Tests.Session.Transport;

/// <summary>
/// Fuzz that reaches SRTP through a valid ICE path: a publisher client checked, DTLS-connected and keyed sends, from its
/// own socket, mutated SRTP and SRTCP (bit flips, truncation, wrong tags, replayed indexes, huge and empty datagrams,
/// broken header extensions) mixed with valid packets, which must still reach a subscriber client byte for byte. The
/// seed is printed; CONFER_FUZZ_SEED repeats a run.
/// </summary>
public sealed class SrtpPathFuzzTests(ITestOutputHelper output)
{
    private const uint Ssrc = 0xABCD_0001;
    private const int Iterations = 2500;
    private static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(60);

    /// <summary>Hands every RTP and RTCP packet the publisher's transport accepted to the subscriber's (one-subscriber graph).</summary>
    private sealed class Relay(IRtpPacketSender to) : IRtpPacketReceiver
    {
        private readonly byte[] _buffer = new byte[4096 + IRtpPacketSender.ProtectionHeadroom];

        public void OnRtp(Span<byte> packet)
        {
            packet.CopyTo(_buffer);
            to.SendRtp(_buffer, packet.Length);
        }

        public void OnRtcp(Span<byte> packet)
        {
            packet.CopyTo(_buffer);
            to.SendRtcp(_buffer, packet.Length);
        }
    }

    private enum Move { Valid, ValidExtension, ValidRtcp, BitFlip, Truncate, WrongTag, Replay, Huge, Empty, BrokenExtension, RtcpMutated, RtcpReplay }

    public static TheoryData<int> Profiles => new() { DtlsSrtpProfile.AeadAes128Gcm, DtlsSrtpProfile.Aes128CmHmacSha1_80 };

    internal static int Seed(ITestOutputHelper output)
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("CONFER_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int s)
            ? s : Random.Shared.Next();
        output.WriteLine($"fuzz seed {seed} (CONFER_FUZZ_SEED={seed} repeats this run)");
        return seed;
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void MutatedSrtpAndSrtcp_OnTheCheckedPath_RejectedAndValidOnesStillForward(int profile)
    {
        var random = new Random(Seed(output));
        using var harness = new TransportHarness();
        var (subscriber, subscriberClient) = harness.Connect([profile]);
        var (publisher, client) = harness.Connect([profile], new Relay(subscriber));
        var accepted = new List<byte[]>();
        var acceptedRtcp = new List<byte[]>();
        var moves = new int[Enum.GetValues<Move>().Length];
        ushort seq = 1000;
        int valid = 0, rtcpSsrcs = 0;
        var clock = Stopwatch.StartNew();

        for (int i = 0; i < Iterations && clock.Elapsed < TimeLimit; i++)
        {
            var move = (Move)random.Next(moves.Length);
            moves[(int)move]++;
            switch (move)
            {
                case Move.Valid:
                case Move.ValidExtension:
                {
                    var plain = move == Move.Valid ? Rtp(random, seq++) : RtpWithExtension(random, seq++);
                    var wire = client.Protect(plain);
                    client.SendRaw(wire);
                    Assert.Equal(plain, subscriberClient.ReceiveMedia(3000)); // forwarded intact, nothing forged before it
                    accepted.Add(wire);
                    valid++;
                    break;
                }
                case Move.ValidRtcp:
                {
                    uint ssrc = 0xAB00_0000u + (uint)random.Next(4);
                    var plain = SfuTestClient.RtcpReceiverReport(ssrc);
                    var wire = client.Protect(plain, rtcp: true);
                    client.SendRaw(wire);
                    Assert.Equal(plain, subscriberClient.ReceiveMedia(3000, rtcp: true));
                    acceptedRtcp.Add(wire);
                    rtcpSsrcs |= 1 << (int)(ssrc & 3);
                    valid++;
                    break;
                }
                case Move.BitFlip:
                {
                    var wire = client.Protect(Rtp(random, seq++));
                    int bit = random.Next(wire.Length * 8);
                    wire[bit / 8] ^= (byte)(1 << (bit % 8));
                    client.SendRaw(wire);
                    break;
                }
                case Move.Truncate:
                {
                    var wire = client.Protect(Rtp(random, seq++));
                    client.SendRaw(wire.AsSpan(0, random.Next(wire.Length)));
                    break;
                }
                case Move.WrongTag:
                {
                    var wire = client.Protect(Rtp(random, seq++));
                    random.NextBytes(wire.AsSpan(wire.Length - 10)); // both profiles' tags end the packet (10 or 16 bytes)
                    client.SendRaw(wire);
                    break;
                }
                case Move.Replay when accepted.Count > 0:
                    client.SendRaw(accepted[random.Next(accepted.Count)]);
                    break;
                case Move.Huge:
                {
                    var wire = client.Protect(Rtp(random, seq++));
                    var huge = new byte[random.Next(1500, 9000)];
                    random.NextBytes(huge);
                    wire.CopyTo(huge, 0); // a valid header, then garbage past the tag
                    client.SendRaw(huge);
                    break;
                }
                case Move.Empty:
                    client.SendRaw(random.Next(2) == 0 ? [] : [0x80]);
                    break;
                case Move.BrokenExtension:
                {
                    var wire = client.Protect(Rtp(random, seq++));
                    wire[0] |= 0x10; // X set on a packet without an extension
                    if (random.Next(2) == 0) BinaryPrimitives.WriteUInt16BigEndian(wire.AsSpan(14), 0xFFFF); // length past the end
                    client.SendRaw(wire);
                    break;
                }
                case Move.RtcpMutated:
                {
                    var wire = client.Protect(SfuTestClient.RtcpReceiverReport(0xAB00_0000u + (uint)random.Next(4)), rtcp: true);
                    if (random.Next(3) == 0)
                    {
                        client.SendRaw(wire.AsSpan(0, random.Next(wire.Length)));
                    }
                    else
                    {
                        int bit = random.Next(wire.Length * 8);
                        wire[bit / 8] ^= (byte)(1 << (bit % 8)); // the E flag and the SRTCP index included
                        client.SendRaw(wire);
                    }
                    break;
                }
                case Move.RtcpReplay when acceptedRtcp.Count > 0:
                    client.SendRaw(acceptedRtcp[random.Next(acceptedRtcp.Count)]);
                    break;
            }
        }
        Assert.True(clock.Elapsed < TimeLimit + TimeSpan.FromSeconds(5), "the run kept to its time bound");

        // One last valid packet: everything sent before it was handled before it.
        var last = Rtp(random, seq++);
        client.SendMedia(last);
        Assert.Equal(last, subscriberClient.ReceiveMedia(3000));
        valid++;

        output.WriteLine($"{publisher.Profile}: {string.Join(", ", Enum.GetValues<Move>().Select(m => $"{m} {moves[(int)m]}"))}");
        output.WriteLine($"{publisher.Profile}: accepted {publisher.PacketsIn}, rejected {publisher.DecryptFailures} " +
                         $"(auth {publisher.AuthFailures}, replay {publisher.Replays}), unmatched {harness.Server.Unmatched}, forwarded {subscriber.PacketsOut}");
        Assert.Equal(valid, publisher.PacketsIn); // not one forgery authenticated
        TransportHarness.WaitFor(() => subscriber.PacketsOut == valid, "every valid packet forwarded");
        Assert.True(publisher.AuthFailures > 0, "auth failures counted");
        Assert.True(publisher.Replays > 0, "replays counted");
        Assert.True(publisher.DecryptFailures >= publisher.AuthFailures + publisher.Replays);
        Assert.Equal(1 + int.PopCount(rtcpSsrcs), publisher.InboundSsrcs); // forged SSRCs left no state
        Assert.Equal(MediaTransportState.Connected, publisher.State);
        Assert.Equal(MediaTransportState.Connected, subscriber.State);
        Assert.Equal(0, harness.Server.HandlerExceptions);
    }

    /// <summary>
    /// What rejecting costs per packet on the receive thread (dispatched on the test thread, as the hot-path test does):
    /// replays are refused before any cryptography and allocate nothing; a forged AES-CM tag allocates nothing beyond the
    /// cipher's known 64 B; a forged AES-GCM tag costs one caught AuthenticationTagMismatchException (AesGcm has no
    /// non-throwing decrypt), bounded here. Nothing is kept: the inbound context holds state for the one real SSRC only
    /// (process-wide heap figures are not used: other tests run beside this one).
    /// </summary>
    [Theory]
    [MemberData(nameof(Profiles))]
    public void RejectedPackets_AllocationBounded_NothingRetained(int profile)
    {
        var random = new Random(Seed(output));
        using var harness = new TransportHarness();
        var (transport, client) = harness.Connect([profile]);
        transport.Receiver = new RecordingReceiver();
        SocketAddress from = client.LocalEndPoint.Serialize();
        const int count = 2000;
        var distinct = Enumerable.Range(0, 32).Select(i => client.Protect(Rtp(random, (ushort)(100 + i)))).ToArray(); // accepted once below
        var replayed = Enumerable.Range(0, count).Select(i => distinct[i % distinct.Length]).ToArray();
        var forged = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            forged[i] = client.Protect(Rtp(random, (ushort)(5000 + i)));
            forged[i][^1] ^= 0x5A;
        }
        var work = new byte[2048];
        for (int i = 0; i < 32; i++) Feed(harness, replayed[i], work, from);
        Assert.Equal(32, transport.PacketsIn);

        long replayBytes = 0, forgedBytes = 0;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < count; i++) Feed(harness, replayed[i], work, from);
            replayBytes = GC.GetAllocatedBytesForCurrentThread() - before;
            before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < count; i++) Feed(harness, forged[i], work, from);
            clock.Stop();
            forgedBytes = GC.GetAllocatedBytesForCurrentThread() - before;
            if (round == 2)
                output.WriteLine($"{transport.Profile}: replay {replayBytes / (double)count:N1} B/packet, forged tag {forgedBytes / (double)count:N1} B/packet " +
                                 $"({clock.Elapsed.TotalMicroseconds / count:N2} µs each)");
        }
        Assert.Equal(32, transport.PacketsIn);
        Assert.Equal(3L * count, transport.Replays);
        Assert.Equal(3L * count, transport.AuthFailures);
        Assert.Equal(0, replayBytes);
        if (transport.Profile == Confer.Sfu.Srtp.SrtpProfile.AeadAes128Gcm) Assert.InRange(forgedBytes / (double)count, 0, 1024);
        else Assert.InRange(forgedBytes / (double)count, 0, 3 * 64 + 8);
        Assert.Equal(1, transport.InboundSsrcs);
    }

    private static void Feed(TransportHarness harness, byte[] packet, byte[] work, SocketAddress from)
    {
        packet.CopyTo(work, 0);
        harness.Server.Dispatch(work.AsSpan(0, packet.Length), from);
    }

    private static byte[] Rtp(Random random, ushort seq) => SfuTestClient.RtpPacket(seq, Ssrc, payloadLength: random.Next(0, 1100));

    /// <summary>RTP with a one-byte-header extension block (RFC 8285 §4.2) of random words: valid framing, garbage inside.</summary>
    private static byte[] RtpWithExtension(Random random, ushort seq)
    {
        var body = SfuTestClient.RtpPacket(seq, Ssrc, payloadLength: random.Next(0, 800));
        int words = random.Next(0, 16);
        var packet = new byte[body.Length + 4 + words * 4];
        body.AsSpan(0, 12).CopyTo(packet);
        packet[0] |= 0x10;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(12), random.Next(2) == 0 ? (ushort)0xBEDE : (ushort)random.Next(0x10000));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(14), (ushort)words);
        random.NextBytes(packet.AsSpan(16, words * 4));
        body.AsSpan(12).CopyTo(packet.AsSpan(16 + words * 4));
        return packet;
    }
}
