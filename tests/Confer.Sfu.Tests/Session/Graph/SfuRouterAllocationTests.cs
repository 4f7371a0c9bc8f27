using Confer.Sfu.Session;

namespace Confer.Sfu.Tests.Session.Graph;

public sealed class SfuRouterAllocationTests
{
    [Fact]
    public void Allocation_HiddenTilePausesSmallTileTakesLowLayer()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", producer);
        room.SendFrame(true, 0, 1, 2);
        for (int i = 0; i < 20; i++)
            room.SendFrame(false, 0, 1, 2);
        Assert.Equal(2, bob.TargetSpatial);

        bob.SetVisibleSize(0, 0);
        for (int i = 0; i < 20; i++)
            room.SendFrame(false, 0, 1, 2);
        Assert.Equal(-1, bob.TargetSpatial);
    }

    [Fact]
    public void Allocation_EstimateBelowTopLayer_CapsToWhatFits()
    {
        using var room = new GraphRoom();
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        room.AddSubscriber("bob");
        var bob = room.Router.Subscribe("bob", producer);
        ushort[] sequences = [1, 1000, 2000];
        ushort twcc = 1;
        // ~0.3, ~1.3 and ~2.6 Mb/s on q, h, f (1, 5 and 10 packets of ~1100 bytes per frame at 30 fps); the estimate starts at 1 Mb/s.
        int[] packetsPerFrame = [1, 5, 10];
        for (int frame = 0; frame < 45; frame++)
        {
            for (int layer = 0; layer < 3; layer++)
                for (int k = 0; k < packetsPerFrame[layer]; k++)
                    room.Publisher.OnRtp(GraphTestKit.Vp8(GraphRoom.LayerSsrcs[layer], sequences[layer]++, (uint)(frame * 3000),
                        frame == 0 && k == 0, (ushort)frame, rid: GraphRoom.Rids[layer], twcc: twcc++, body: 1060,
                        fill: GraphRoom.LayerFill[layer], width: 320 << layer, height: 180 << layer));
            room.Time.Advance(TimeSpan.FromMilliseconds(33));
        }
        Assert.True(room.Router.FindSubscriber("bob")!.TargetBitrate <= 1_000_000);
        Assert.Equal(0, bob.TargetSpatial);
    }
}
