using Confer.Sfu.Session;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Session.Graph;

/// <summary>A router with a fake clock, one VP8 simulcast publisher ("alice") and helpers to send frames on its layers.</summary>
internal sealed class GraphRoom : IDisposable
{
    public static readonly uint[] LayerSsrcs = [1001, 1002, 1003];
    public static readonly uint[] RtxSsrcs = [2001, 2002, 2003];
    public static readonly byte[] LayerFill = [0x10, 0x20, 0x30];
    public static readonly string[] Rids = ["q", "h", "f"];
    private readonly ushort[] _sequences = [100, 5000, 60000];
    private readonly ushort[] _pictureIds = [10, 2000, 30000];
    private uint _timestamp = 90_000;
    private ushort _twcc = 1;

    /// <param name="clock">The router's clock; the fake one (<see cref="Time"/>) unless given (throughput runs use the system's).</param>
    public GraphRoom(SfuRouterOptions? options = null, TimeProvider? clock = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));
        Router = new SfuRouter(clock ?? Time, options);
        Publisher = Router.AddPublisher("alice", PublisherSender);
    }

    public FakeTimeProvider Time { get; }
    public SfuRouter Router { get; }
    public CapturingSender PublisherSender { get; } = new();
    public IRtpPacketReceiver Publisher { get; }

    public (IRtpPacketReceiver Receiver, CapturingSender Sender) AddSubscriber(string id, bool record = true)
    {
        var sender = new CapturingSender(record);
        return (Router.AddSubscriber(id, sender), sender);
    }

    /// <summary>The next sequence number layer <paramref name="layer"/> will use.</summary>
    public ushort NextSequence(int layer) => _sequences[layer];

    /// <summary>One frame (one packet) on each listed layer, then 33 ms pass.</summary>
    public void SendFrame(bool keyframe, params int[] layers) => SendFrame(layers.ToDictionary(l => l, _ => keyframe));

    public void SendFrame(Dictionary<int, bool> keyframeByLayer)
    {
        foreach (var (layer, keyframe) in keyframeByLayer.OrderBy(p => p.Key))
        {
            var packet = GraphTestKit.Vp8(LayerSsrcs[layer], _sequences[layer]++, _timestamp, keyframe, _pictureIds[layer]++,
                tl0: (byte)_pictureIds[layer], rid: Rids[layer], twcc: _twcc++, fill: LayerFill[layer], width: 320 << layer, height: 180 << layer);
            Publisher.OnRtp(packet);
        }
        _timestamp += 3000;
        Time.Advance(TimeSpan.FromMilliseconds(33));
    }

    public void Dispose() => Router.Dispose();
}
