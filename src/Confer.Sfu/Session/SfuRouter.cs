using Confer.Sfu.Sdp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Confer.Sfu.Session;

/// <summary>Router settings; defaults are what browsers expect.</summary>
internal sealed class SfuRouterOptions
{
    /// <summary>The router's tick: TWCC feedback, NACK and key frame retries, dynacast of absent layers.</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromMilliseconds(50);
    /// <summary>RR to publishers and SR per down-track (RFC 3550 §6.2 allows ~5 s; browsers like ~1 s).</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Transport-cc feedback to publishers (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3).</summary>
    public TimeSpan TwccFeedbackInterval { get; set; } = TimeSpan.FromMilliseconds(100);
    /// <summary>A layer without packets this long is taken as not sent: consumers aim below it.</summary>
    public TimeSpan LayerInactiveAfter { get; set; } = TimeSpan.FromSeconds(1.5);
    /// <summary>Active speakers: voice within this window and smoothed loudness at least <see cref="SpeakerThreshold"/>.</summary>
    public TimeSpan SpeakerWindow { get; set; } = TimeSpan.FromSeconds(1);
    public double SpeakerThreshold { get; set; } = 40;
    /// <summary>Share each subscriber's bandwidth estimate among its video down-tracks (LayerAllocator); off keeps the caps set by the API only.</summary>
    public bool AllocateLayers { get; set; } = true;
    public TimeSpan AllocationInterval { get; set; } = TimeSpan.FromMilliseconds(500);
    /// <summary>Pause simulcast layers no subscriber's tile calls for at the publisher (<see cref="SfuRouter.PublishedLayersChanged"/>).</summary>
    public bool Dynacast { get; set; } = true;
    /// <summary>How long lower demand must last before a layer is paused, so a resized tile does not make the encoder flap.</summary>
    public TimeSpan DynacastPauseDelay { get; set; } = TimeSpan.FromSeconds(3);
}

/// <summary>An active speaker: the participant, its audio producer and smoothed loudness (0–127, higher is louder).</summary>
internal readonly record struct ActiveSpeaker(string ParticipantId, string ProducerId, double Loudness);

/// <summary>
/// The forwarding graph of one room (mediasoup's Router, LiveKit's room media half): owns the producers (published
/// tracks) and consumers (subscribers' down-tracks) and the per-connection receivers the transports feed.
/// <list type="bullet">
/// <item><see cref="AddPublisher"/> / <see cref="AddSubscriber"/>: a peer connection's sender in, its receiver out.</item>
/// <item><see cref="AddProducer"/> / <see cref="RemoveProducer"/>: a negotiated m= section becomes a forwardable track.</item>
/// <item><see cref="Subscribe"/> / <see cref="Unsubscribe"/>: a down-track of a producer to a subscriber.</item>
/// <item><see cref="RemoveParticipant"/>: frees everything of one participant, both directions.</item>
/// </list>
/// Structure changes (signaling) take the router's lock, then a publisher's; packets take only their publisher
/// connection's lock (<see cref="PublisherConnection.Gate"/>) and read consumer lists copy-on-write. One
/// <see cref="TimeProvider"/> timer per router drives every report and retry.
/// </summary>
internal sealed partial class SfuRouter : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, PublisherConnection> _publishers = [];
    private readonly Dictionary<string, SubscriberConnection> _subscribers = [];
    private readonly Dictionary<string, Producer> _producers = [];
    private PublisherConnection[] _publisherSnapshot = [];
    private SubscriberConnection[] _subscriberSnapshot = [];
    private readonly ILoggerFactory _loggers;
    private readonly ITimer _timer;
    private readonly IReadOnlyDictionary<string, int> _audioExtensions;
    private readonly IReadOnlyDictionary<string, int> _videoExtensions;
    private int _consumerCount;
    private long _nextId;
    private bool _disposed;

    public SfuRouter(TimeProvider time, SfuRouterOptions? options = null, ILoggerFactory? loggers = null,
        SubscriberOfferOptions? subscriberOffer = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        Time = time;
        Options = options ?? new SfuRouterOptions();
        if (Options.TickInterval <= TimeSpan.Zero || Options.ReportInterval < Options.TickInterval)
            throw new ArgumentException("SfuRouterOptions: TickInterval must be positive and ReportInterval at least TickInterval.", nameof(options));
        _loggers = loggers ?? NullLoggerFactory.Instance;
        var offer = subscriberOffer ?? SubscriberOfferOptions.Default;
        _audioExtensions = offer.AudioExtensions.ToDictionary(e => e.Uri, e => e.Id);
        _videoExtensions = offer.VideoExtensions.ToDictionary(e => e.Uri, e => e.Id);
        _timer = time.CreateTimer(_ => Tick(), null, Options.TickInterval, Options.TickInterval);
    }

    internal TimeProvider Time { get; }
    internal SfuRouterOptions Options { get; }

    /// <summary>A producer's first packet arrived (raised on the receive thread, under its publisher's lock: be quick).</summary>
    public event Action<Producer>? ProducerStarted;
    /// <summary>A producer's first key frame arrived (video; audio on its first packet). Same thread rules.</summary>
    public event Action<Producer>? ProducerKeyframe;
    /// <summary>The ordered set of active speakers changed (raised on the timer).</summary>
    public event Action<IReadOnlyList<ActiveSpeaker>>? ActiveSpeakersChanged;

    public int ProducerCount { get { lock (_gate) return _producers.Count; } }
    public int ConsumerCount { get { lock (_gate) return _consumerCount; } }
    public int PublisherCount { get { lock (_gate) return _publishers.Count; } }
    public int SubscriberCount { get { lock (_gate) return _subscribers.Count; } }
    public IReadOnlyList<ActiveSpeaker> ActiveSpeakers { get; private set; } = [];

    /// <summary>Registers a publisher's peer connection; its transport hands decrypted packets to the receiver returned.</summary>
    public IRtpPacketReceiver AddPublisher(string participantId, IRtpPacketSender sender)
    {
        ArgumentNullException.ThrowIfNull(sender);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_publishers.ContainsKey(participantId))
                throw new InvalidOperationException($"Participant '{participantId}' already has a publisher connection.");
            var connection = new PublisherConnection(this, participantId, sender);
            _publishers.Add(participantId, connection);
            _publisherSnapshot = [.. _publishers.Values];
            return connection;
        }
    }

    /// <summary>Registers a subscriber's peer connection; its transport hands the subscriber's RTCP to the receiver returned.</summary>
    public IRtpPacketReceiver AddSubscriber(string participantId, IRtpPacketSender sender)
    {
        ArgumentNullException.ThrowIfNull(sender);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_subscribers.ContainsKey(participantId))
                throw new InvalidOperationException($"Participant '{participantId}' already has a subscriber connection.");
            var connection = new SubscriberConnection(this, participantId, sender);
            _subscribers.Add(participantId, connection);
            _subscriberSnapshot = [.. _subscribers.Values];
            return connection;
        }
    }

    /// <summary>The subscriber connection of <paramref name="participantId"/> (for its feedback seam), or null.</summary>
    public SubscriberConnection? FindSubscriber(string participantId)
    {
        lock (_gate) return _subscribers.GetValueOrDefault(participantId);
    }

    /// <summary>A negotiated audio or video m= section of a publisher becomes a producer (id "participant/mid").</summary>
    public Producer AddProducer(string participantId, NegotiatedMedia media)
    {
        ArgumentNullException.ThrowIfNull(media);
        if (media.Kind is not ("audio" or "video"))
            throw new ArgumentException($"Only audio and video are forwarded, not '{media.Kind}'.", nameof(media));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_publishers.TryGetValue(participantId, out var connection))
                throw new InvalidOperationException($"Participant '{participantId}' has no publisher connection; call AddPublisher first.");
            string id = participantId + "/" + media.Mid;
            if (_producers.ContainsKey(id))
                throw new InvalidOperationException($"Producer '{id}' already exists.");
            var producer = new Producer(connection, id, media, Time);
            lock (connection.Gate)
                connection.Add(producer);
            _producers.Add(id, producer);
            return producer;
        }
    }

    /// <summary>Removes a producer and every consumer of it; false if unknown.</summary>
    public bool RemoveProducer(Producer producer)
    {
        ArgumentNullException.ThrowIfNull(producer);
        lock (_gate)
        {
            if (!_producers.Remove(producer.Id)) return false;
            var connection = producer.Connection;
            lock (connection.Gate)
            {
                foreach (var consumer in producer.Consumers)
                    CloseConsumer(consumer);
                connection.Remove(producer);
                producer.Closed = true;
                foreach (var layer in producer.Layers)
                    layer.Dispose();
            }
            return true;
        }
    }

    /// <summary>
    /// A down-track of <paramref name="producer"/> to <paramref name="subscriberId"/>, with SSRCs unique on that
    /// subscriber's transport. <paramref name="extensionIds"/> are the header extension ids the subscriber's offer
    /// uses (URI → id); null takes the router's <see cref="SubscriberOfferOptions"/>.
    /// </summary>
    public Consumer Subscribe(string subscriberId, Producer producer, IReadOnlyDictionary<string, int>? extensionIds = null)
    {
        ArgumentNullException.ThrowIfNull(producer);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_subscribers.TryGetValue(subscriberId, out var subscriber))
                throw new InvalidOperationException($"Participant '{subscriberId}' has no subscriber connection; call AddSubscriber first.");
            if (producer.Closed || !_producers.ContainsKey(producer.Id))
                throw new InvalidOperationException($"Producer '{producer.Id}' is not in this room.");
            foreach (var existing in subscriber.Consumers)
                if (existing.Producer == producer)
                    throw new InvalidOperationException($"'{subscriberId}' already subscribes to '{producer.Id}'.");
            uint ssrc = NewSsrc(subscriber.UsedSsrcs);
            uint rtx = NewSsrc(subscriber.UsedSsrcs);
            var extensions = extensionIds ?? (producer.IsAudio ? _audioExtensions : _videoExtensions);
            var consumer = new Consumer(subscriberId + "/" + producer.Id + "/" + Interlocked.Increment(ref _nextId), producer, subscriber,
                ssrc, rtx, extensions, Time, _loggers.CreateLogger<Consumer>());
            subscriber.AddConsumer(consumer);
            lock (producer.Connection.Gate)
                producer.AddConsumer(consumer);
            _consumerCount++;
            return consumer;
        }
    }

    /// <summary>Stops a down-track; false if it was already gone.</summary>
    public bool Unsubscribe(Consumer consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        lock (_gate)
        {
            if (consumer.Closed) return false;
            lock (consumer.Producer.Connection.Gate)
                CloseConsumer(consumer);
            return true;
        }
    }

    /// <summary>Frees everything of a participant: its producers (and their consumers everywhere) and its own consumers.</summary>
    public bool RemoveParticipant(string participantId)
    {
        lock (_gate)
        {
            bool found = false;
            if (_publishers.Remove(participantId, out var publisher))
            {
                found = true;
                foreach (var producer in publisher.Producers.ToArray())
                    RemoveProducer(producer);
                _publisherSnapshot = [.. _publishers.Values];
            }
            if (_subscribers.Remove(participantId, out var subscriber))
            {
                found = true;
                foreach (var consumer in subscriber.Consumers)
                    lock (consumer.Producer.Connection.Gate)
                        CloseConsumer(consumer);
                _subscriberSnapshot = [.. _subscribers.Values];
            }
            return found;
        }
    }

    /// <summary>Under the router's lock and the producer's publisher lock.</summary>
    private void CloseConsumer(Consumer consumer)
    {
        if (consumer.Closed) return;
        consumer.Closed = true;
        consumer.Producer.RemoveConsumer(consumer);
        consumer.Subscriber.RemoveConsumer(consumer);
        consumer.Subscriber.UsedSsrcs.Remove(consumer.Ssrc);
        consumer.Subscriber.UsedSsrcs.Remove(consumer.RtxSsrc);
        _consumerCount--;
    }

    internal uint NewSsrc() => (uint)Random.Shared.NextInt64(1, uint.MaxValue);

    private static uint NewSsrc(HashSet<uint> used)
    {
        while (true)
        {
            uint ssrc = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
            if (used.Add(ssrc)) return ssrc;
        }
    }

    internal void RaiseFirstPacket(Producer producer)
    {
        try { ProducerStarted?.Invoke(producer); }
        catch (Exception) { /* a listener's bug must not stop the receive thread */ }
    }

    internal void RaiseFirstKeyframe(Producer producer)
    {
        try { ProducerKeyframe?.Invoke(producer); }
        catch (Exception) { /* as above */ }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _timer.Dispose();
            foreach (var id in _publishers.Keys.Concat(_subscribers.Keys).Distinct().ToArray())
                RemoveParticipant(id);
        }
    }
}
