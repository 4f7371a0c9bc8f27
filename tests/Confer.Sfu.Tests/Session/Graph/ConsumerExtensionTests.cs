using System.Buffers.Binary;
using Confer.Sfu.Rtp;
using Confer.Sfu.Session;

namespace Confer.Sfu.Tests.Session.Graph;

public sealed class ConsumerExtensionTests
{
    private static List<(byte Id, byte[] Value)> Extensions(byte[] bytes)
    {
        Assert.True(RtpPacket.TryRead(bytes, out var packet, out _));
        var list = new List<(byte, byte[])>();
        foreach (var extension in packet.Extensions)
            list.Add((extension.Id, extension.Value.ToArray()));
        return list;
    }

    [Fact]
    public void Forward_Audio_LevelAndTwccRenumberedMidStripped()
    {
        using var room = new GraphRoom();
        var audio = room.Router.AddProducer("alice", GraphTestKit.Opus(5555));
        var (_, bobSender) = room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", audio);
        room.Publisher.OnRtp(GraphTestKit.Audio(5555, 7, 960, level: 33, voice: true, twcc: 900));

        var sent = Assert.Single(bobSender.Rtp);
        var fields = GraphTestKit.Read(sent);
        Assert.Equal(bob.Ssrc, fields.Ssrc);
        Assert.Equal(GraphTestKit.OpusPt, fields.PayloadType);
        var extensions = Extensions(sent);
        // Subscriber offer ids (SubscriberOfferOptions): audio level 1, transport-cc 3; mid (publisher id 1) removed.
        Assert.Equal([(byte)1, (byte)3], extensions.Select(e => e.Id));
        Assert.Equal([(byte)(0x80 | 33)], extensions[0].Value);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(extensions[1].Value));
        Assert.Equal(fields.Extensions.Length, GraphTestKit.Read(GraphTestKit.Audio(5555, 7, 960, 33, true, twcc: 900)).Extensions.Length);
    }

    [Fact]
    public void Forward_TwoByteForm_KeepsNegotiatedDropsOthersPadsTail()
    {
        using var room = new GraphRoom();
        var video = room.Router.AddProducer("alice", GraphTestKit.Vp8Single(4242, null));
        var (_, bobSender) = room.AddSubscriber("bob");
        room.Router.Subscribe("bob", video);
        var plain = GraphTestKit.Vp8(4242, 1, 0, true, 1, rid: null, mid: null);
        // RFC 8285 §4.3 two-byte elements: unknown id 200 (3 bytes), mid "0" (id 1), transport-cc (id 4) = 0x0102.
        byte[] block = [200, 3, 9, 9, 9, 1, 1, (byte)'0', 4, 2, 0x01, 0x02, 0, 0, 0, 0];
        var packet = new byte[plain.Length + 4 + block.Length];
        plain.AsSpan(0, 12).CopyTo(packet);
        packet[0] |= 0x10;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(12), 0x1000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(14), (ushort)(block.Length / 4));
        block.CopyTo(packet, 16);
        plain.AsSpan(12).CopyTo(packet.AsSpan(16 + block.Length));

        room.Publisher.OnRtp(packet);

        var sent = Assert.Single(bobSender.Rtp);
        Assert.Equal(packet.Length, sent.Length);
        var extensions = Extensions(sent);
        Assert.Equal([(byte)3], extensions.Select(e => e.Id));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(extensions[0].Value)); // the subscriber transport's first number
        Assert.Equal(plain.AsSpan(12).ToArray(), GraphTestKit.Read(sent).Payload);
    }

    [Fact]
    public void Forward_MalformedExtensionBlock_ForwardsWithoutReadingPastIt()
    {
        using var room = new GraphRoom();
        var video = room.Router.AddProducer("alice", GraphTestKit.Vp8Single(4242, null));
        var (_, bobSender) = room.AddSubscriber("bob");
        room.Router.Subscribe("bob", video);
        var packet = GraphTestKit.Vp8(4242, 1, 0, true, 1, rid: null, mid: "0", twcc: 5);
        // Element claims 16 bytes (L = 15) in an 8-byte block: RtpPacket refuses it (RFC 8285 §4.2), so nothing is forwarded.
        packet[16] = (byte)(1 << 4 | 15);
        room.Publisher.OnRtp(packet);
        Assert.Empty(bobSender.Rtp);
        Assert.Equal(1, ((PublisherConnection)room.Publisher).Malformed);
    }
}
