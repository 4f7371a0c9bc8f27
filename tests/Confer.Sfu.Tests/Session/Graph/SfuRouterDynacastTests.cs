using Confer.Sfu.Session;

namespace Confer.Sfu.Tests.Session.Graph;

/// <summary>
/// Dynacast through the router: the publisher is told to send only the simulcast layers some subscriber's tile calls for
/// (q 180p, h 360p, f 720p here), raised at once, lowered after the pause delay, never below the lowest layer.
/// </summary>
public sealed class SfuRouterDynacastTests
{
    [Fact]
    public void Layers_FollowTheLargestTile_RaisedAtOnce_LoweredAfterTheDelay_NeverBelowTheLowest()
    {
        using var room = new GraphRoom();
        var changes = new List<int>();
        room.Router.PublishedLayersChanged += c => changes.Add(c.ActiveUpTo);
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        room.AddSubscriber("bob");
        room.AddSubscriber("carol");
        var bob = room.Router.Subscribe("bob", producer);
        var carol = room.Router.Subscribe("carol", producer);
        bob.SetVisibleSize(320, 180);
        carol.SetVisibleSize(0, 0);
        room.SendFrame(true, 0, 1, 2);

        // Two seconds: lower demand has not lasted the delay, nothing changes yet.
        Frames(room, 60);
        Assert.Empty(changes);
        // Past three seconds: only q (bob's 180p tile); carol hides hers.
        Frames(room, 45);
        Assert.Equal([0], changes);

        // Carol shows it at 1280×720: f is back within one allocation interval, without waiting for the delay.
        carol.SetVisibleSize(1280, 720);
        Frames(room, 17);
        Assert.Equal([0, 2], changes);

        // Carol leaves and bob hides his: down to the lowest layer again after the delay, never to nothing.
        room.Router.Unsubscribe(carol);
        bob.SetVisibleSize(0, 0);
        Frames(room, 150);
        Assert.Equal([0, 2, 0], changes);
    }

    [Fact]
    public void UnknownTileSize_WantsTheTop_AndSingleLayerOrAudioTracksAreLeftAlone()
    {
        using var room = new GraphRoom();
        var changes = new List<PublishedLayers>();
        room.Router.PublishedLayersChanged += changes.Add;
        var simulcast = room.Router.AddProducer("alice", GraphTestKit.Vp8Simulcast());
        room.Router.AddProducer("alice", GraphTestKit.Vp8Single(5001, null, mid: "1"));
        room.Router.AddProducer("alice", GraphTestKit.Opus(6001, mid: "2"));
        room.AddSubscriber("bob");
        room.Router.Subscribe("bob", simulcast); // the app has not said how large it shows it: as large as sent
        room.SendFrame(true, 0, 1, 2);
        Frames(room, 150);
        Assert.Empty(changes);
    }

    private static void Frames(GraphRoom room, int count)
    {
        for (int i = 0; i < count; i++) room.SendFrame(false, 0, 1, 2);
    }
}
