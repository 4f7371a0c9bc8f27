using Confer.Sfu.Session;

namespace Confer.Sfu.Tests.Session.Graph;

public sealed class SfuRouterLifecycleTests
{
    [Fact]
    public void RemoveParticipant_Publisher_FreesProducersAndEveryConsumerOfThem()
    {
        using var room = new GraphRoom();
        var video = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        var audio = room.Router.AddProducer("alice", GraphTestKit.Opus(5555));
        var (_, bobSender) = room.AddSubscriber("bob");
        room.AddSubscriber("carol");
        foreach (var id in new[] { "bob", "carol" })
        {
            room.Router.Subscribe(id, video);
            room.Router.Subscribe(id, audio);
        }
        Assert.Equal(2, room.Router.ProducerCount);
        Assert.Equal(4, room.Router.ConsumerCount);

        Assert.True(room.Router.RemoveParticipant("alice"));

        Assert.Equal(0, room.Router.ProducerCount);
        Assert.Equal(0, room.Router.ConsumerCount);
        Assert.Equal(0, room.Router.PublisherCount);
        Assert.Empty(room.Router.FindSubscriber("bob")!.Consumers);
        Assert.Empty(video.Consumers);
        Assert.True(video.Closed);
        room.SendFrame(true, 0, 1, 2); // the old receiver is inert, not broken
        Assert.Empty(bobSender.Rtp);
        Assert.False(room.Router.RemoveParticipant("alice"));
    }

    [Fact]
    public void RemoveParticipant_Subscriber_FreesItsConsumersOnly()
    {
        using var room = new GraphRoom();
        var video = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        room.AddSubscriber("bob");
        var (_, carolSender) = room.AddSubscriber("carol");
        room.Router.Subscribe("bob", video);
        var carol = room.Router.Subscribe("carol", video);

        Assert.True(room.Router.RemoveParticipant("bob"));

        Assert.Equal(1, room.Router.ProducerCount);
        Assert.Equal(1, room.Router.ConsumerCount);
        Assert.Equal([carol], video.Consumers);
        room.SendFrame(true, 0, 1, 2);
        Assert.Single(carolSender.Rtp);
    }

    [Fact]
    public void UnsubscribeAndRemoveProducer_CountsFollow()
    {
        using var room = new GraphRoom();
        var video = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", video);
        Assert.Throws<InvalidOperationException>(() => room.Router.Subscribe("bob", video));
        Assert.True(room.Router.Unsubscribe(bob));
        Assert.False(room.Router.Unsubscribe(bob));
        Assert.Equal(0, room.Router.ConsumerCount);
        room.Router.Subscribe("bob", video);
        Assert.True(room.Router.RemoveProducer(video));
        Assert.False(room.Router.RemoveProducer(video));
        Assert.Equal(0, room.Router.ConsumerCount);
        Assert.Equal(0, room.Router.ProducerCount);
        Assert.Throws<InvalidOperationException>(() => room.Router.Subscribe("bob", video));
    }

    [Fact]
    public void Events_FirstPacketAndFirstKeyframeRaisedOnce()
    {
        using var room = new GraphRoom();
        var video = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        int started = 0, keyframes = 0;
        room.Router.ProducerStarted += p => { Assert.Same(video, p); started++; };
        room.Router.ProducerKeyframe += p => { Assert.Same(video, p); keyframes++; };
        room.SendFrame(false, 0);
        Assert.Equal((1, 0), (started, keyframes));
        room.SendFrame(true, 0, 1, 2);
        room.SendFrame(true, 0, 1, 2);
        Assert.Equal((1, 1), (started, keyframes));
    }

    [Fact]
    public void Subscribe_ManyConsumers_SsrcsUniqueOnTheTransport()
    {
        using var room = new GraphRoom();
        room.AddSubscriber("bob");
        var ssrcs = new HashSet<uint>();
        for (int i = 0; i < 40; i++)
        {
            var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast(mid: i.ToString()));
            var consumer = room.Router.Subscribe("bob", producer);
            Assert.True(ssrcs.Add(consumer.Ssrc));
            Assert.True(ssrcs.Add(consumer.RtxSsrc));
        }
    }

    [Fact]
    public void ProducerStarted_HandlerSubscribes_NoDeadlockAndForwardsNextKeyframe()
    {
        using var room = new GraphRoom();
        var video = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        var (_, bobSender) = room.AddSubscriber("bob");
        Consumer? bob = null;
        room.Router.ProducerStarted += p => bob = room.Router.Subscribe("bob", p);
        var worker = new Thread(() =>
        {
            room.SendFrame(false, 0, 1, 2);
            room.SendFrame(true, 0, 1, 2);
        });
        worker.Start();
        Assert.True(worker.Join(TimeSpan.FromSeconds(10)));
        Assert.NotNull(bob);
        Assert.Single(bobSender.Rtp);
    }
}
