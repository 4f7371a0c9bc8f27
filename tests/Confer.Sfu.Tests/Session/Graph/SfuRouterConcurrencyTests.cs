using Confer.Sfu.Session;

namespace Confer.Sfu.Tests.Session.Graph;

public sealed class SfuRouterConcurrencyTests
{
    [Fact]
    public void Packets_FeedbackAndSignaling_OnSeveralThreads_NoExceptionsCountsSettle()
    {
        var router = new SfuRouter(TimeProvider.System);
        var senders = new List<CapturingSender>();
        var publishers = new IRtpPacketReceiver[2];
        var producers = new Producer[2];
        for (int p = 0; p < 2; p++)
        {
            publishers[p] = router.AddPublisher("pub" + p, new CapturingSender(record: false));
            producers[p] = router.AddProducer("pub" + p, GraphTestKit.Vp8Single((uint)(7000 + p), (uint)(8000 + p)));
        }
        var subscriberReceivers = new IRtpPacketReceiver[4];
        for (int s = 0; s < 4; s++)
        {
            var sender = new CapturingSender(record: false);
            senders.Add(sender);
            subscriberReceivers[s] = router.AddSubscriber("sub" + s, sender);
        }
        var errors = new List<Exception>();
        var deadline = DateTime.UtcNow.AddSeconds(1.5);
        void Guard(Action action)
        {
            try { action(); }
            catch (Exception e) { lock (errors) errors.Add(e); }
        }
        var threads = new List<Thread>();
        for (int p = 0; p < 2; p++)
        {
            int index = p;
            threads.Add(new Thread(() => Guard(() =>
            {
                for (int i = 0; DateTime.UtcNow < deadline && i < 2_000_000; i++)
                    publishers[index].OnRtp(GraphTestKit.Vp8((uint)(7000 + index), (ushort)i, (uint)(i * 3000), i % 50 == 0, (ushort)i, rid: null, twcc: (ushort)i));
            })));
        }
        threads.Add(new Thread(() => Guard(() =>
        {
            var random = new Random(7);
            for (int i = 0; DateTime.UtcNow < deadline && i < 1_000_000; i++)
            {
                int s = random.Next(4);
                var producer = producers[random.Next(2)];
                var existing = router.FindSubscriber("sub" + s)!.Consumers.FirstOrDefault(c => c.Producer == producer);
                if (existing is null) router.Subscribe("sub" + s, producer);
                else if (random.Next(3) == 0) router.Unsubscribe(existing);
                else existing.SetMaxLayer(0);
            }
        })));
        threads.Add(new Thread(() => Guard(() =>
        {
            var random = new Random(9);
            for (int i = 0; DateTime.UtcNow < deadline && i < 1_000_000; i++)
            {
                int s = random.Next(4);
                foreach (var consumer in router.FindSubscriber("sub" + s)!.Consumers)
                {
                    subscriberReceivers[s].OnRtcp(GraphTestKit.Nack(1, consumer.Ssrc, (ushort)random.Next(65536), (ushort)random.Next(65536)));
                    subscriberReceivers[s].OnRtcp(GraphTestKit.Pli(1, consumer.Ssrc));
                }
            }
        })));
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) Assert.True(thread.Join(TimeSpan.FromSeconds(20)));

        Assert.Empty(errors);
        Assert.True(router.RemoveParticipant("pub0"));
        Assert.True(router.RemoveParticipant("pub1"));
        Assert.Equal(0, router.ConsumerCount);
        Assert.Equal(0, router.ProducerCount);
        Assert.True(senders.Sum(s => s.RtpCount) > 0);
        router.Dispose();
    }
}
