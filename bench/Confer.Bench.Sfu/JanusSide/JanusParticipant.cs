using System.Text.Json.Nodes;
using Confer.Bench.Sfu.Rtc;

namespace Confer.Bench.Sfu.JanusSide;

/// <summary>
/// One participant of Janus's VideoRoom (janus.plugin.videoroom, multistream API of 1.x): a publisher handle that joins
/// with a fixed feed id and publishes with an SDP offer (simulcast by rid, lowest first: <c>rid_order</c> "lmh"), and a
/// subscriber handle that joins with every other feed's streams, answers Janus's offer, starts, and asks each video for
/// the row's substream. Janus is full ICE: the client checks and answers checks on both connections.
/// </summary>
internal sealed class JanusParticipant(JanusRoom room, RowSetup row, int index) : IBenchParticipant
{
    public MediaPeer? Publisher { get; private set; }
    public MediaPeer? Subscriber { get; private set; }
    public int OfferedTracks { get; private set; }
    public string? Failure { get; private set; }
    private Task? _connect;

    public static long FeedId(int index) => index + 1;

    public async Task PublishAsync(CancellationToken cancel)
    {
        var session = room.Session;
        long handle = await session.AttachAsync("janus.plugin.videoroom");
        await session.MessageAsync(handle, new JsonObject
        {
            ["request"] = "join", ["ptype"] = "publisher", ["room"] = room.Id, ["id"] = FeedId(index), ["display"] = $"p{index}",
        }, cancel: cancel);
        var peer = new MediaPeer(row.Address, row.Certificate, controlling: true);
        var source = new SyntheticPublisher(peer);
        Publisher = peer;
        string offer = SdpText.PublisherOffer(peer, source, $"s{index}a", $"s{index}v");
        var published = await session.MessageAsync(handle, new JsonObject { ["request"] = "publish", ["audiocodec"] = "opus", ["videocodec"] = "vp8" },
            new JsonObject { ["type"] = "offer", ["sdp"] = offer, ["trickle"] = false, ["rid_order"] = "lmh" }, cancel);
        var answer = SdpText.Parse((string?)published["jsep"]?["sdp"] ?? throw new InvalidOperationException($"no answer: {published.ToJsonString()}"));
        SdpText.ApplyPublisherAnswer(answer, peer, source);
        row.Pump.Add(peer);
        await peer.ConnectAsync(row.Handshakes, cancel);
        row.Pump.Add(source);
        source.Enabled = true;
    }

    /// <summary>Subscribes to the audio and video of every publisher but itself.</summary>
    public async Task SubscribeAsync(IEnumerable<int> publishers, CancellationToken cancel)
    {
        var streams = new JsonArray();
        foreach (int p in publishers.Where(p => p != index))
        {
            streams.Add(new JsonObject { ["feed"] = FeedId(p), ["mid"] = "0" });
            streams.Add(new JsonObject { ["feed"] = FeedId(p), ["mid"] = "1" });
        }
        if (streams.Count == 0) return;
        var session = room.Session;
        long handle = await session.AttachAsync("janus.plugin.videoroom");
        var attached = await session.MessageAsync(handle, new JsonObject
        {
            ["request"] = "join", ["ptype"] = "subscriber", ["room"] = room.Id, ["streams"] = streams,
        }, cancel: cancel);
        var offer = SdpText.Parse((string?)attached["jsep"]?["sdp"] ?? throw new InvalidOperationException($"no offer: {attached.ToJsonString()}"));
        var peer = new MediaPeer(row.Address, row.Certificate, controlling: false, new ReceiveStats());
        Subscriber = peer;
        SdpText.ApplyRemote(offer, peer);
        var twcc = offer.Media.SelectMany(m => m.ExtMaps).FirstOrDefault(e => e.Uri == SdpText.TransportCcUri);
        if (twcc is not null) peer.Stats!.UseTransportCc((byte)twcc.Id);
        row.Pump.Add(peer);
        await session.MessageAsync(handle, new JsonObject { ["request"] = "start" },
            new JsonObject { ["type"] = "answer", ["sdp"] = SdpText.SubscriberAnswer(offer, peer), ["trickle"] = false }, cancel);
        OfferedTracks = offer.Media.Count(m => m.Port != 0 && m.Kind is "audio" or "video");
        _connect = peer.ConnectAsync(row.Handshakes, cancel);
        var videos = new JsonArray();
        foreach (var m in offer.Media.Where(m => m.Kind == "video" && m.Port != 0))
            videos.Add(new JsonObject { ["mid"] = m.Mid, ["substream"] = Array.IndexOf(SyntheticPublisher.Layers, row.Layer) });
        if (videos.Count > 0)
            await session.MessageAsync(handle, new JsonObject { ["request"] = "configure", ["streams"] = videos }, cancel: cancel);
    }

    public Task ConnectedAsync() => _connect ?? Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Publisher?.Dispose();
        Subscriber?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A VideoRoom room of one run and the session every handle of the run lives in.</summary>
internal sealed record JanusRoom(JanusSession Session, long Id);
