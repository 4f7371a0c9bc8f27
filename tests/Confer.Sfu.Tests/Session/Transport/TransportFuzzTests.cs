using System.Net;
using Confer.Sfu.Dtls;
using Confer.Sfu.Session;
using Confer.Sfu.Tests.Session.Client;
using CsCheck;

namespace Confer.Sfu.Tests.Session.Transport;

/// <summary>
/// Garbage and mutated datagrams from the client's own 5-tuple at every stage (before the check, after it but before
/// DTLS, once connected) never throw out of the demux and never disturb a connected transport. The datagrams are
/// dispatched on the test thread so an exception fails the sample; real UDP traffic runs beside them.
/// </summary>
public sealed class TransportFuzzTests
{
    private static readonly Gen<byte[]> AnyDatagram = Gen.Byte.Array[0, 1300];

    // A datagram of every RFC 7983 class except DTLS records long enough to reach the handshake (those may legitimately
    // fail a handshake in progress: an on-path attacker can always do that before keys exist).
    private static readonly Gen<byte[]> NoDtlsDatagram = Gen.Select(Gen.Byte.Array[1, 1300], Gen.OneOfConst<byte>(0, 1, 17, 64, 128, 150, 200, 255))
        .Select((bytes, first) =>
        {
            bytes[0] = (byte)(first == 64 ? 20 + (bytes[0] % 44) : first);
            return first == 64 ? bytes[..Math.Min(bytes.Length, 12)] : bytes; // DTLS shorter than a record header
        });

    [Fact]
    public void Dispatch_GarbageAtEveryStage_NeverThrowsAndConnectedTransportKeepsWorking()
    {
        using var harness = new TransportHarness();
        var receiver = new RecordingReceiver();
        var client = harness.NewClient();
        SocketAddress from = client.LocalEndPoint.Serialize();
        Assert.True(harness.Transports.TryCreate(client.Fingerprint, client.Ufrag, out var transport));
        transport.Receiver = receiver;

        // Stage 1: nothing checked yet: it is all TURN's (unmatched) or a failed ICE check.
        AnyDatagram.Sample(bytes => harness.Server.Dispatch(bytes, from), iter: 3000);
        Assert.Equal(MediaTransportState.New, transport.State);

        // Stage 2: checked and nominated, DTLS not begun.
        Assert.True(client.Check(transport.IceUfrag, transport.IcePwd));
        NoDtlsDatagram.Sample(bytes => harness.Server.Dispatch(bytes, from), iter: 3000);
        Assert.Equal(0, transport.PacketsIn);

        // The handshake still succeeds.
        client.Connect(DtlsFingerprint.Parse(transport.Fingerprint));
        TransportHarness.WaitFor(() => transport.State == MediaTransportState.Connected, "connected");

        // Stage 3: connected. Random datagrams of every kind, and valid SRTP/SRTCP with one byte changed or cut short.
        var plains = Enumerable.Range(0, 64).Select(i => SfuTestClient.RtpPacket((ushort)(5000 + i))).ToArray();
        var valid = plains.Select(p => client.Protect(p)).ToArray();
        var validRtcp = Enumerable.Range(0, 16).Select(i => client.Protect(SfuTestClient.RtcpReceiverReport((uint)i), rtcp: true)).ToArray();
        AnyDatagram.Sample(bytes => harness.Server.Dispatch(bytes, from), iter: 5000);
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Int[0, 300], Gen.Byte, Gen.Bool).Sample((which, index, value, cut) =>
        {
            var bytes = (byte[])valid[which].Clone();
            index %= bytes.Length;
            bytes[index] ^= (byte)(value | 1); // always a change
            harness.Server.Dispatch(cut ? bytes.AsSpan(0, index) : bytes, from);
        }, iter: 5000);
        Gen.Select(Gen.Int[0, validRtcp.Length - 1], Gen.Int[0, 100], Gen.Byte).Sample((which, index, value) =>
        {
            var bytes = (byte[])validRtcp[which].Clone();
            bytes[index % bytes.Length] ^= (byte)(value | 1);
            harness.Server.Dispatch(bytes, from);
        }, iter: 2000);

        Assert.Empty(receiver.Rtp); // no forgery got through
        Assert.True(transport.DecryptFailures > 0);
        Assert.Equal(MediaTransportState.Connected, transport.State);

        // Real traffic still flows both ways.
        var fresh = SfuTestClient.RtpPacket(6000);
        client.SendMedia(fresh);
        TransportHarness.WaitFor(() => !receiver.Rtp.IsEmpty, "fresh RTP after the fuzz");
        Assert.Equal(fresh, Assert.Single(receiver.Rtp));
        var buffer = new byte[1500];
        fresh.CopyTo(buffer, 0);
        Assert.True(transport.SendRtp(buffer, fresh.Length));
        Assert.Equal(fresh, client.ReceiveMedia(2000));
        Assert.Equal(0, harness.Server.HandlerExceptions);
    }

    [Fact]
    public void SendRtp_GarbageFromForwarding_NeverThrows()
    {
        using var harness = new TransportHarness();
        var (transport, client) = harness.Connect();
        var buffer = new byte[1600];
        // SSRCs (RTP's and RTCP's) from a small set: the outbound context tracks at most SrtpSession.DefaultMaxSsrcs of them (the
        // forwarding graph rewrites SSRCs, so a subscriber's count is bounded by its tracks).
        Gen.Select(Gen.Byte.Array[0, 1400], Gen.Int[-5, 1700], Gen.Int[0, 3]).Sample((bytes, length, ssrc) =>
        {
            bytes.CopyTo(buffer, 0);
            if (bytes.Length >= 12)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), 0xA000_0000u + (uint)ssrc); // RTCP sender SSRC
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(8), 0xA000_0000u + (uint)ssrc); // RTP SSRC
            }
            transport.SendRtp(buffer, Math.Min(length, buffer.Length - IRtpPacketSender.ProtectionHeadroom));
            transport.SendRtcp(buffer, Math.Min(length, buffer.Length - IRtpPacketSender.ProtectionHeadroom));
            transport.SendRtp(buffer.AsSpan(0, Math.Max(0, Math.Min(length, 64))), length); // too little room: dropped, not thrown
        }, iter: 3000);
        Assert.Equal(MediaTransportState.Connected, transport.State);
        var plain = SfuTestClient.RtpPacket(42, ssrc: 0x5151_5151);
        plain.CopyTo(buffer, 0);
        Assert.True(transport.SendRtp(buffer, plain.Length));
        // What the garbage protected fine went out too (it was valid-looking RTP): skip to ours.
        bool found = false;
        for (int i = 0; i < 10_000 && !found; i++)
        {
            var got = client.ReceiveMedia(2000);
            if (got is null) break;
            found = got.AsSpan().SequenceEqual(plain);
        }
        Assert.True(found, "the packet sent after the garbage arrived intact");
    }
}
