using System.Buffers.Binary;
using Confer.Sfu.Rtcp;
using Confer.Sfu.Session;

namespace Confer.Sfu.Tests.Session.Graph;

public sealed class SfuRouterRtcpTests
{
    private static int PlisFor(CapturingSender sender, uint mediaSsrc) =>
        sender.RtcpOf(RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.PictureLossIndication)
            .Count(p => BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(8)) == mediaSsrc);

    [Fact]
    public void SubscriberPli_Burst_ReachesPublisherOncePerThrottleWindow()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        var (bobReceiver, _) = room.AddSubscriber("bob");
        var (carolReceiver, _) = room.AddSubscriber("carol");
        var bob = room.Router.Subscribe("bob", producer);
        var carol = room.Router.Subscribe("carol", producer);
        room.SendFrame(true, 0, 1, 2);
        int before = PlisFor(room.PublisherSender, GraphRoom.LayerSsrcs[2]);

        for (int i = 0; i < 5; i++)
        {
            bobReceiver.OnRtcp(GraphTestKit.Pli(77, bob.Ssrc));
            carolReceiver.OnRtcp(GraphTestKit.Pli(78, carol.Ssrc));
        }
        Assert.Equal(before + 1, PlisFor(room.PublisherSender, GraphRoom.LayerSsrcs[2]));

        room.SendFrame(true, 0, 1, 2); // the key frame answers it
        room.Time.Advance(TimeSpan.FromMilliseconds(600));
        bobReceiver.OnRtcp(GraphTestKit.Pli(77, bob.Ssrc));
        bobReceiver.OnRtcp(GraphTestKit.Pli(77, bob.Ssrc));
        Assert.Equal(before + 2, PlisFor(room.PublisherSender, GraphRoom.LayerSsrcs[2]));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SubscriberNack_AnsweredWithRtxOrResendCarryingOriginalPayload(bool rtx)
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Single(4242, rtx ? 4343u : null));
        var (bobReceiver, bobSender) = room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", producer);
        for (int i = 0; i < 6; i++)
        {
            room.Publisher.OnRtp(GraphTestKit.Vp8(4242, (ushort)(300 + i), (uint)(i * 3000), i == 0, (ushort)(50 + i), fill: (byte)(0x40 + i), rid: null));
            room.Time.Advance(TimeSpan.FromMilliseconds(33));
        }
        Assert.Equal(6, bobSender.Rtp.Count);
        var original = GraphTestKit.Read(bobSender.Rtp[3]);
        bobSender.Rtp.Clear();

        bobReceiver.OnRtcp(GraphTestKit.Nack(77, bob.Ssrc, original.Sequence));

        var resent = GraphTestKit.Read(Assert.Single(bobSender.Rtp));
        Assert.Equal(original.Timestamp, resent.Timestamp);
        if (rtx)
        {
            Assert.NotEqual(0u, bob.RtxSsrc);
            Assert.Equal(bob.RtxSsrc, resent.Ssrc);
            Assert.Equal(GraphTestKit.RtxPt, resent.PayloadType);
            Assert.Equal(original.Sequence, BinaryPrimitives.ReadUInt16BigEndian(resent.Payload)); // OSN, RFC 4588 §4
            Assert.Equal(original.Payload, resent.Payload[2..]);
        }
        else
        {
            Assert.Equal(0u, bob.RtxSsrc);
            Assert.Equal(bob.Ssrc, resent.Ssrc);
            Assert.Equal(original.Sequence, resent.Sequence);
            Assert.Equal(GraphTestKit.Vp8Pt, resent.PayloadType);
            Assert.Equal(original.Payload, resent.Payload);
        }
        Assert.Equal(original.Extensions, resent.Extensions.Length == original.Extensions.Length ? original.Extensions : resent.Extensions);
        Assert.Equal(1, bob.Retransmitted);
    }

    [Fact]
    public void PublisherRtx_RestoredIntoCacheAndForwarded()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        var (_, bobSender) = room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", producer);
        room.SendFrame(true, 0, 1, 2);
        ushort lost = room.NextSequence(2);
        var missing = GraphTestKit.Vp8(GraphRoom.LayerSsrcs[2], lost, 93_000, false, 30001, rid: "f", fill: 0x77);
        ushort after = (ushort)(lost + 1);
        room.Publisher.OnRtp(GraphTestKit.Vp8(GraphRoom.LayerSsrcs[2], after, 96_000, false, 30002, rid: "f", fill: 0x30));
        // RFC 4588 §4: the RTX copy has its own SSRC/PT/sequence, repaired-rid (RFC 8852 §3.2), and the OSN before the payload.
        var rtxHeader = GraphTestKit.Vp8(2003, 9, 93_000, false, rid: "f", repairedRid: true, payloadType: GraphTestKit.RtxPt, body: 0);
        Assert.True(Confer.Sfu.Rtp.RtpPacket.TryRead(rtxHeader, out var header, out _));
        int headerLength = header.HeaderLength;
        Assert.True(Confer.Sfu.Rtp.RtpPacket.TryRead(missing, out var original, out _));
        byte[] originalPayload = original.Payload.ToArray();
        var withRrid = rtxHeader[..headerLength].Concat(new[] { (byte)(lost >> 8), (byte)lost }).Concat(originalPayload).ToArray();
        room.Publisher.OnRtp(withRrid);

        Assert.Equal(2003u, producer.Layers[2].RtxSsrc);
        Assert.True(producer.Layers[2].Cache.Contains(lost));
        var forwarded = bobSender.Rtp.Select(GraphTestKit.Read).Where(p => p.Ssrc == bob.Ssrc).ToList();
        Assert.Equal(3, forwarded.Count);
        Assert.Equal(0x77, forwarded[2].Payload[^1]);
        Assert.Equal((ushort)(forwarded[1].Sequence - 1), forwarded[2].Sequence); // fills the gap it left
    }

    [Fact]
    public void PublisherLoss_NackedUpstream()
    {
        using var room = new GraphRoom();
        room.Router.AddProducer("alice", GraphTestKit.Vp8Single(4242, 4343));
        foreach (ushort sequence in new ushort[] { 10, 11, 12, 14, 15 })
        {
            room.Publisher.OnRtp(GraphTestKit.Vp8(4242, sequence, sequence * 3000u, sequence == 10, rid: null));
            room.Time.Advance(TimeSpan.FromMilliseconds(5));
        }
        room.Time.Advance(TimeSpan.FromMilliseconds(100));

        var nacks = room.PublisherSender.RtcpOf(RtcpPacketType.TransportFeedback, RtcpFeedbackFormat.GenericNack);
        Assert.NotEmpty(nacks);
        Assert.True(RtcpPacket.TryRead(nacks[0], out var packet, out _, out _));
        Assert.True(RtcpNack.TryRead(packet, out var nack, out _));
        Assert.Equal(4242u, nack.MediaSsrc);
        var lost = new ushort[16];
        Assert.True(RtcpNack.TryExpand(nack, lost, out int count, out _));
        Assert.Equal([(ushort)13], lost[..count]);
    }

    [Fact]
    public void Timer_SendsRrAndTwccToPublisherAndSrPerDownTrack()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        var (_, bobSender) = room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", producer);
        room.SendFrame(true, 0, 1, 2);
        for (int i = 0; i < 30; i++)
            room.SendFrame(false, 0, 1, 2); // ~1 s

        var rrs = room.PublisherSender.RtcpOf(RtcpPacketType.ReceiverReport);
        Assert.NotEmpty(rrs);
        Assert.True(RtcpPacket.TryRead(rrs[^1], out var rrPacket, out _, out _));
        Assert.True(RtcpReport.TryRead(rrPacket, out var rr, out _));
        Assert.Equal(3, rr.BlockCount);
        var blocks = new List<RtcpReportBlock>();
        for (int i = 0; i < rr.BlockCount; i++)
            blocks.Add(rr.GetBlock(i));
        Assert.Contains(blocks, b => b.Ssrc == GraphRoom.LayerSsrcs[2] && b.CumulativeLost == 0);

        var twcc = room.PublisherSender.RtcpOf(RtcpPacketType.TransportFeedback, RtcpFeedbackFormat.TransportWideCc);
        Assert.InRange(twcc.Count, 7, 12); // every 100 ms over ~1 s
        Assert.True(RtcpPacket.TryRead(twcc[0], out var twccPacket, out _, out _));
        Assert.True(TwccFeedback.TryRead(twccPacket, out var feedback, out _));
        Assert.Equal(1, feedback.BaseSequence);

        var srs = bobSender.RtcpOf(RtcpPacketType.SenderReport);
        Assert.NotEmpty(srs);
        Assert.True(RtcpPacket.TryRead(srs[^1], out var srPacket, out _, out _));
        Assert.True(RtcpReport.TryRead(srPacket, out var sr, out _));
        Assert.Equal(bob.Ssrc, sr.Ssrc);
        Assert.True(sr.IsSenderReport);
        var lastSent = GraphTestKit.Read(bobSender.Rtp[^1]);
        Assert.InRange((int)(sr.SenderInfo.RtpTimestamp - lastSent.Timestamp), -90_000, 90_000);
        Assert.NotEmpty(bobSender.RtcpOf(RtcpPacketType.SourceDescription));
    }

    [Fact]
    public void SubscriberReceiverReport_SetsLossPerConsumer()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        var (bobReceiver, _) = room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", producer);
        var buffer = new byte[64];
        Assert.True(RtcpReport.TryWriteReceiverReport(buffer, 77, [new RtcpReportBlock(bob.Ssrc, 64, 3, 100, 0, 0, 0)], out int written, out _));
        bobReceiver.OnRtcp(buffer.AsSpan(0, written));
        Assert.Equal(0.25, bob.FractionLost);
    }

    [Fact]
    public void AudioLevels_RaiseActiveSpeakers()
    {
        using var room = new GraphRoom();
        room.Router.AddProducer("alice", GraphTestKit.Opus(5555));
        IReadOnlyList<ActiveSpeaker>? raised = null;
        room.Router.ActiveSpeakersChanged += s => raised = s;
        for (int i = 0; i < 50; i++)
        {
            room.Publisher.OnRtp(GraphTestKit.Audio(5555, (ushort)i, (uint)(i * 960), level: 20, voice: true));
            room.Time.Advance(TimeSpan.FromMilliseconds(20));
        }
        Assert.NotNull(raised);
        Assert.Equal("alice", Assert.Single(raised).ParticipantId);
        room.Time.Advance(TimeSpan.FromSeconds(3));
        Assert.Empty(raised);
    }

    private sealed class FeedbackCounter : ISubscriberFeedbackSink
    {
        public int Count;
        public ushort LastBase;
        public void OnTransportFeedback(in TwccFeedback feedback)
        {
            Count++;
            LastBase = feedback.BaseSequence;
        }
    }

    [Fact]
    public void SubscriberTwcc_MatchesSendHistoryAndReachesEstimatorAndSink()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        var (bobReceiver, bobSender) = room.AddSubscriber("bob");
        room.Router.Subscribe("bob", producer);
        var sink = new FeedbackCounter();
        var bobConnection = room.Router.FindSubscriber("bob")!;
        bobConnection.FeedbackSink = sink;
        room.SendFrame(true, 0, 1, 2);
        for (int i = 0; i < 9; i++)
            room.SendFrame(false, 0, 1, 2);
        var arrivals = new List<Confer.Sfu.Rtcp.TwccArrival>();
        foreach (var bytes in bobSender.Rtp)
        {
            Assert.True(Confer.Sfu.Rtp.RtpPacket.TryRead(bytes, out var packet, out _));
            Assert.True(packet.TryGetTransportSequenceNumber(3, out ushort sequence));
            arrivals.Add(new Confer.Sfu.Rtcp.TwccArrival(sequence, true, 1_000_000 + arrivals.Count * 33_000));
        }
        var buffer = new byte[1200];
        Assert.True(TwccFeedbackWriter.TryWrite(buffer, 1200, 77, 1, 0, arrivals.ToArray(), out int written, out _, out _));

        bobReceiver.OnRtcp(buffer.AsSpan(0, written));

        Assert.Equal(1, sink.Count);
        Assert.Equal(1, sink.LastBase);
        Assert.Equal(1, bobConnection.Estimator.FeedbackCount);
        Assert.Equal(0, bobConnection.Estimator.UnmatchedReports);
        Assert.True(bobConnection.TargetBitrate > 0);
    }

    [Fact]
    public void SenderReport_MapsPublisherSrOntoRewrittenTimeline()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Single(4242, null));
        var (_, bobSender) = room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", producer);
        for (int i = 0; i < 5; i++)
        {
            room.Publisher.OnRtp(GraphTestKit.Vp8(4242, (ushort)(10 + i), (uint)(i * 3000), i == 0, (ushort)i, rid: null));
            room.Time.Advance(TimeSpan.FromMilliseconds(10));
        }
        var last = GraphTestKit.Read(bobSender.Rtp[^1]);
        uint offset = last.Timestamp - 4 * 3000;
        // RFC 3550 §6.4.1: the publisher says RTP time 500000 is now.
        var arrival = room.Time.GetUtcNow().UtcDateTime;
        var buffer = new byte[64];
        var info = RtcpSenderInfo.At(arrival.AddSeconds(-30), 500_000, 5, 500); // its wall clock differs from ours
        Assert.True(RtcpReport.TryWriteSenderReport(buffer, 4242, info, [], out int written, out _));
        room.Publisher.OnRtcp(buffer.AsSpan(0, written));
        bobSender.Rtcp.Clear();

        room.Time.Advance(TimeSpan.FromSeconds(1.2));

        var srBytes = bobSender.RtcpOf(RtcpPacketType.SenderReport).Last();
        Assert.True(RtcpPacket.TryRead(srBytes, out var packet, out _, out _));
        Assert.True(RtcpReport.TryRead(packet, out var sr, out _));
        Assert.Equal(bob.Ssrc, sr.Ssrc);
        double elapsed = (RtcpSenderInfo.FromNtp(sr.SenderInfo.NtpTimestamp) - arrival).TotalSeconds;
        uint expected = unchecked(500_000u + (uint)Math.Round(elapsed * 90_000) + offset);
        Assert.InRange((int)(sr.SenderInfo.RtpTimestamp - expected), -2, 2);
        Assert.Equal(5u, sr.SenderInfo.PacketCount);
    }
}
