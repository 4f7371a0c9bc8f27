using CsCheck;
using Confer.Sfu.Session;

namespace Confer.Sfu.Tests.Session.Graph;

public sealed class SfuRouterFuzzTests
{
    [Fact]
    public void Receivers_RandomBytes_NeverThrow()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        var (bobReceiver, _) = room.AddSubscriber("bob");
        room.Router.Subscribe("bob", producer);
        room.SendFrame(true, 0, 1, 2);
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            room.Publisher.OnRtp(bytes.ToArray());
            room.Publisher.OnRtcp(bytes.ToArray());
            bobReceiver.OnRtp(bytes.ToArray());
            bobReceiver.OnRtcp(bytes.ToArray());
        }, iter: 3000);
    }

    [Fact]
    public void Receivers_MutatedValidPackets_NeverThrow()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        var (bobReceiver, _) = room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", producer);
        room.SendFrame(true, 0, 1, 2);
        var seeds = new[]
        {
            GraphTestKit.Vp8(1003, 7, 1, true, 5, rid: "f", twcc: 3),
            GraphTestKit.Vp8(2003, 8, 1, false, rid: "f", repairedRid: true, payloadType: GraphTestKit.RtxPt),
            GraphTestKit.Vp8(1001, 9, 1, false, rid: "q", twcc: 4),
            GraphTestKit.Nack(1, bob.Ssrc, 1, 2, 3, 40),
            GraphTestKit.Pli(1, bob.Ssrc),
        };
        Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int[0, 400], Gen.Byte, Gen.Int[0, 3])
            .Sample((seed, position, value, cut) =>
            {
                var bytes = seeds[seed].ToArray();
                bytes[position % bytes.Length] = value;
                var input = bytes.AsSpan(0, Math.Max(0, bytes.Length - cut * 3)).ToArray();
                room.Publisher.OnRtp(input);
                room.Publisher.OnRtcp(input);
                bobReceiver.OnRtcp(input);
                room.Time.Advance(TimeSpan.FromMilliseconds(7));
            }, iter: 5000);
    }
}
