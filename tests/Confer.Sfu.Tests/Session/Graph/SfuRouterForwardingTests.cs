using System.Buffers.Binary;
using Confer.Sfu.Rtcp;
using Confer.Sfu.Rtp;
using Confer.Sfu.Session;

namespace Confer.Sfu.Tests.Session.Graph;

public sealed class SfuRouterForwardingTests
{
    private static List<RtpPacketFields> Media(CapturingSender sender, uint ssrc) =>
        sender.Rtp.Select(GraphTestKit.Read).Where(p => p.Ssrc == ssrc).ToList();

    private static void AssertContinuous(List<RtpPacketFields> packets)
    {
        for (int i = 1; i < packets.Count; i++)
        {
            Assert.Equal((ushort)(packets[i - 1].Sequence + 1), packets[i].Sequence);
            Assert.True((int)(packets[i].Timestamp - packets[i - 1].Timestamp) > 0, $"timestamp went back at {i}");
        }
    }

    [Fact]
    public void Forward_SimulcastToTwoSubscribers_EachGetsHighestLayerOnOwnSsrcContinuously()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        var (_, bobSender) = room.AddSubscriber("bob");
        var (_, carolSender) = room.AddSubscriber("carol");
        var bob = room.Router.Subscribe("bob", producer);
        var carol = room.Router.Subscribe("carol", producer);

        room.SendFrame(true, 0, 1, 2);
        for (int i = 0; i < 20; i++)
            room.SendFrame(false, 0, 1, 2);

        foreach (var (consumer, sender) in new[] { (bob, bobSender), (carol, carolSender) })
        {
            var packets = Media(sender, consumer.Ssrc);
            Assert.Equal(21, packets.Count);
            Assert.Equal(21, sender.Rtp.Count);
            Assert.All(packets, p => Assert.Equal(GraphRoom.LayerFill[2], p.Payload[^1]));
            Assert.All(packets, p => Assert.Equal(GraphTestKit.Vp8Pt, p.PayloadType));
            AssertContinuous(packets);
            Assert.Equal(2, consumer.CurrentSpatial);
        }
        Assert.NotEqual(bob.Ssrc, carol.Ssrc);
        Assert.Equal(3, producer.Layers.Count(l => l.Ssrc != 0));
        Assert.Equal(GraphRoom.LayerSsrcs, producer.Layers.Select(l => l.Ssrc));
        Assert.Equal(1280, producer.Layers[2].Width);
    }

    [Fact]
    public void Forward_Extensions_MidAndRidStrippedTwccRenumberedPerSubscriber()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        var (_, bobSender) = room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", producer);
        room.SendFrame(true, 0, 1, 2);
        room.SendFrame(false, 0, 1, 2);
        room.SendFrame(false, 0, 1, 2);

        var sequences = new List<ushort>();
        foreach (var bytes in bobSender.Rtp)
        {
            Assert.True(RtpPacket.TryRead(bytes, out var packet, out _));
            var ids = new List<byte>();
            foreach (var extension in packet.Extensions)
                ids.Add(extension.Id);
            Assert.Equal([(byte)3], ids); // the subscriber offer's transport-cc id; mid (1) and rid (2) removed
            Assert.True(packet.TryGetTransportSequenceNumber(3, out ushort twcc));
            sequences.Add(twcc);
        }
        Assert.Equal(Enumerable.Range(1, 3).Select(i => (ushort)i), sequences);
    }

    [Fact]
    public void SetMaxLayer_Down_SwitchesOnlyOnKeyframeGaplessWithPli()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        var (_, bobSender) = room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", producer);
        room.SendFrame(true, 0, 1, 2);
        for (int i = 0; i < 5; i++)
            room.SendFrame(false, 0, 1, 2);

        bob.SetMaxLayer(1);
        for (int i = 0; i < 4; i++)
            room.SendFrame(false, 0, 1, 2); // no key frame on h yet: f keeps flowing
        var pliForH = room.PublisherSender.RtcpOf(RtcpPacketType.PayloadFeedback, RtcpFeedbackFormat.PictureLossIndication)
            .Count(p => BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(8)) == GraphRoom.LayerSsrcs[1]);
        Assert.Equal(1, pliForH);
        room.SendFrame(new Dictionary<int, bool> { [0] = false, [1] = true, [2] = false });
        for (int i = 0; i < 4; i++)
            room.SendFrame(false, 0, 1, 2);

        var packets = Media(bobSender, bob.Ssrc);
        Assert.Equal(15, packets.Count);
        Assert.All(packets.Take(10), p => Assert.Equal(GraphRoom.LayerFill[2], p.Payload[^1]));
        Assert.All(packets.Skip(10), p => Assert.Equal(GraphRoom.LayerFill[1], p.Payload[^1]));
        AssertContinuous(packets);
        // The switch's first packet is the key frame (payload header P bit 0 after the 6-byte descriptor).
        Assert.Equal(0, packets[10].Payload[6] & 0x01);
        // VP8 picture ids continue across the switch (RFC 7741 §4.2).
        var pictureIds = packets.Select(p => (p.Payload[2] & 0x7F) << 8 | p.Payload[3]).ToList();
        for (int i = 1; i < pictureIds.Count; i++)
            Assert.Equal((pictureIds[i - 1] + 1) & 0x7FFF, pictureIds[i]);
        Assert.Equal(1, bob.CurrentSpatial);
    }

    [Fact]
    public void SetVisibleSize_SmallTile_ChoosesLowLayer()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", producer);
        room.SendFrame(true, 0, 1, 2);
        bob.SetVisibleSize(320, 180);
        Assert.Equal(0, bob.TargetSpatial);
        bob.SetVisibleSize(640, 360);
        Assert.Equal(1, bob.TargetSpatial);
        bob.SetVisibleSize(1920, 1080);
        Assert.Equal(2, bob.TargetSpatial);
    }

    [Fact]
    public void Forward_TopLayerStops_ConsumerFallsToHighestActiveLayer()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        var (_, bobSender) = room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", producer);
        room.SendFrame(true, 0, 1, 2);
        for (int i = 0; i < 90; i++) // 3 s with only q and h
            room.SendFrame(i % 20 == 0, 0, 1);
        Assert.Equal(1, bob.CurrentSpatial);
        AssertContinuous(Media(bobSender, bob.Ssrc));
    }

    [Fact]
    public void Pause_DropsEverythingThenResumesOnKeyframe()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        var (_, bobSender) = room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", producer);
        room.SendFrame(true, 0, 1, 2);
        bob.SetPaused(true);
        room.SendFrame(false, 0, 1, 2);
        Assert.Single(bobSender.Rtp);
        bob.SetPaused(false);
        room.SendFrame(false, 0, 1, 2);
        Assert.Single(bobSender.Rtp);
        room.SendFrame(true, 0, 1, 2);
        Assert.Equal(2, bobSender.Rtp.Count);
        AssertContinuous(Media(bobSender, bob.Ssrc));
    }

    [Fact]
    public void Describe_GivesOfferRecordWithOwnSsrcs()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", producer);
        var track = bob.Describe();
        Assert.Equal("alice/0", track.TrackId);
        Assert.Equal("video", track.Kind);
        Assert.Equal("stream", track.StreamId);
        Assert.Equal(bob.Ssrc, track.Ssrc);
        Assert.Equal(bob.RtxSsrc, track.RtxSsrc);
        Assert.NotEqual(track.Ssrc, track.RtxSsrc);
        Assert.Equal("VP8", track.Codec.Name);
    }
}
