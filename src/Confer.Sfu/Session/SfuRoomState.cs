using Confer.Sfu.Sdp;
using Microsoft.Extensions.Logging;

namespace Confer.Sfu.Session;

/// <summary>
/// One room on the SFU: its participants (<see cref="SfuPeer"/>), its forwarding graph (<see cref="SfuRouter"/>) and
/// the producers by track sid. Everything here runs under <see cref="Gate"/> (held by <see cref="SfuService"/>); the
/// packet path runs in the graph, outside it.
/// </summary>
internal sealed class SfuRoomState(string name, TimeProvider time, ILoggerFactory logs) : IDisposable
{
    private readonly Dictionary<string, SfuPeer> _peers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Producer> _byTrack = new(StringComparer.Ordinal);
    private readonly SfuRouter _router = new(time, loggers: logs);
    private SfuService? _service;

    public object Gate { get; } = new();

    public string Name => name;

    /// <summary>Passes what the room's forwarding graph notices on its own (speakers, dynacast) up to the service's events.</summary>
    public void RaiseTo(SfuService service)
    {
        _service = service;
        _router.ActiveSpeakersChanged += speakers => service.RaiseSpeakers(name, speakers);
        _router.PublishedLayersChanged += layers => service.RaisePublishedLayers(name, layers);
    }

    public bool IsEmpty => _peers.Count == 0;

    /// <summary>A participant's transport closed itself for lost consent; called on a timer thread with no lock held.</summary>
    public void OnTransportLapsed(string id, MediaTransport transport) => _service?.OnTransportLapsed(this, id, transport);

    /// <summary>What the forwarding graph holds now (tests and metrics: takes the router's lock).</summary>
    public (int Publishers, int Subscribers, int Producers, int Consumers) RouterCounts =>
        (_router.PublisherCount, _router.SubscriberCount, _router.ProducerCount, _router.ConsumerCount);

    public SfuPeer Peer(string id, SfuTransports transports, SfuServiceOptions options)
    {
        if (!_peers.TryGetValue(id, out var peer)) _peers[id] = peer = new SfuPeer(this, id, transports, options);
        return peer;
    }

    public SfuPeer? Existing(string id) => _peers.GetValueOrDefault(id);

    public IRtpPacketReceiver AddPublisher(string id, IRtpPacketSender sender) => _router.AddPublisher(id, sender);

    public IRtpPacketReceiver AddSubscriber(string id, IRtpPacketSender sender) => _router.AddSubscriber(id, sender);

    public Producer AddProducer(string id, string trackSid, NegotiatedMedia media)
    {
        var producer = _router.AddProducer(id, media);
        producer.TrackSid = trackSid;
        _byTrack[trackSid] = producer;
        return producer;
    }

    public void RemoveProducer(Producer producer)
    {
        foreach (var (trackSid, p) in _byTrack.Where(kv => kv.Value == producer).ToList())
        {
            _byTrack.Remove(trackSid);
            foreach (var peer in _peers.Values) peer.ForgetProducer(trackSid);
        }
        _router.RemoveProducer(producer);
    }

    public Producer? FindProducer(string trackSid) => _byTrack.GetValueOrDefault(trackSid);

    public Consumer Subscribe(string id, Producer producer) => _router.Subscribe(id, producer);

    public void Unsubscribe(Consumer consumer) => _router.Unsubscribe(consumer);

    /// <summary>The subscriber offer's view of a consumer, keyed by the track's sid (the msid stream id is it too).</summary>
    public static DownTrack Describe(Consumer consumer, string trackSid, string publisher) =>
        consumer.Describe() with { TrackId = trackSid, StreamId = trackSid, Cname = publisher };

    public void SetVisibleSize(Consumer consumer, int width, int height) => consumer.SetVisibleSize(width, height);

    public void Remove(string id)
    {
        if (!_peers.Remove(id, out var peer)) return;
        foreach (var trackSid in peer.Producers.Keys.ToList())
        {
            _byTrack.Remove(trackSid);
            foreach (var other in _peers.Values) other.ForgetProducer(trackSid);
        }
        _router.RemoveParticipant(id);
        peer.Dispose();
    }

    public void Dispose()
    {
        foreach (var peer in _peers.Values) peer.Dispose();
        _peers.Clear();
        _byTrack.Clear();
        _router.Dispose();
    }

    public override string ToString() => $"SFU room {name} ({_peers.Count} participants)";
}
