using System.Buffers.Binary;
using System.Text;
using Confer.Sfu.Bandwidth;
using Confer.Sfu.Forwarding;
using Confer.Sfu.Rtcp;
using Confer.Sfu.Rtp;
using Confer.Sfu.Sdp;
using Microsoft.Extensions.Logging;

namespace Confer.Sfu.Session;

/// <summary>
/// One subscriber's down-track of a <see cref="Producer"/> (mediasoup's Consumer, LiveKit's DownTrack): its own SSRC
/// and RTX SSRC, a <see cref="DownTrackRewriter"/> that keeps sequence numbers and timestamps continuous across
/// layer switches, a <see cref="SimulcastSelector"/> (video: switch only on a key frame), a
/// <see cref="Vp8PictureIdMunger"/> for VP8, header extensions renumbered to the subscriber's ids (RFC 8285; what
/// it did not negotiate is removed), and a <see cref="NackResponder"/> for its NACKs. All state is touched under the
/// producer's publisher-connection lock; the subscriber's sender does its own locking.
/// </summary>
internal sealed partial class Consumer
{
    private readonly DownTrackRewriter _rewriter;
    private readonly SimulcastSelector? _selector;
    private readonly Vp8PictureIdMunger? _munger;
    private readonly NackResponder _nack;
    private readonly byte[] _extensionMap = new byte[256];
    private readonly byte _producerTwccId;
    private readonly byte _subscriberTwccId;
    private readonly byte[] _cname;
    private uint _lastSourceTimestamp;
    private uint _lastOutTimestamp;
    private long _lastSentAt;
    private int _maxSpatial = SimulcastSelector.MaxSpatialLayers - 1;
    private int _maxTemporal = 3;
    private int _highestActive = int.MaxValue;
    private int _allocatedSpatial = int.MaxValue;
    private int _visibleWidth;
    private int _visibleHeight = int.MaxValue; // unknown: as large as the publisher sends

    internal Consumer(string id, Producer producer, SubscriberConnection subscriber, uint ssrc, uint rtxSsrc,
        IReadOnlyDictionary<string, int> subscriberExtensions, TimeProvider time, ILogger logger)
    {
        Id = id;
        Producer = producer;
        Subscriber = subscriber;
        Ssrc = ssrc;
        Codec = producer.Codec;
        PayloadType = (byte)Codec.PayloadType;
        RtxSsrc = Codec.RtxPayloadType is null ? 0 : rtxSsrc;
        _rewriter = new DownTrackRewriter(ssrc, (uint)Math.Max(1, Codec.ClockRate), time,
            (ushort)Random.Shared.Next(0, 0x8000), (uint)Random.Shared.Next());
        if (!producer.IsAudio)
        {
            _selector = new SimulcastSelector(logger, ssrc);
            _selector.SetTarget(producer.Layers.Length - 1, _maxTemporal, LayerSwitchReason.Initial);
        }
        if (producer.CodecKind == MediaCodec.Vp8)
            _munger = new Vp8PictureIdMunger();
        _nack = new NackResponder(_rewriter, producer, time, RtxSsrc, Codec.RtxPayloadType is int rtx ? (byte)rtx : null,
            (ushort)Random.Shared.Next(0, 0x8000));
        foreach (var (uri, publisherId) in producer.Media.ExtensionIds)
            if (publisherId is > 0 and < 256 && subscriberExtensions.TryGetValue(uri, out int subscriberId) && subscriberId is > 0 and < 256)
                _extensionMap[publisherId] = (byte)subscriberId;
        _producerTwccId = producer.Extensions.TransportWideCc;
        _subscriberTwccId = _producerTwccId == 0 ? (byte)0 : _extensionMap[_producerTwccId];
        _cname = Encoding.UTF8.GetBytes(producer.ParticipantId.Length > 255 ? producer.ParticipantId[..255] : producer.ParticipantId);
    }

    public string Id { get; }
    public Producer Producer { get; }
    internal SubscriberConnection Subscriber { get; }
    public string SubscriberId => Subscriber.ParticipantId;
    public uint Ssrc { get; }
    /// <summary>0 when the codec has no RTX payload type.</summary>
    public uint RtxSsrc { get; }
    public NegotiatedCodec Codec { get; }
    public byte PayloadType { get; }
    /// <summary>Paused by the subscriber (or muted): nothing is forwarded; resuming waits for a key frame.</summary>
    public bool Paused { get; private set; }
    public bool Closed { get; internal set; }
    public long PacketsSent { get; private set; }
    public long BytesSent { get; private set; }
    public long PayloadBytesSent { get; private set; }
    public long Retransmitted => _nack.Retransmitted;
    public int CurrentSpatial => _selector?.CurrentSpatial ?? 0;
    public int TargetSpatial => _selector?.TargetSpatial ?? 0;
    /// <summary>Fraction lost (0–1) from the subscriber's last RR for this SSRC (RFC 3550 §6.4.1).</summary>
    public double FractionLost { get; private set; }
    public TimeSpan RoundTripTime => _nack.RoundTripTime;
    internal DownTrackRewriter Rewriter => _rewriter;

    /// <summary>What the subscriber offer needs for this track (one SSRC, RTX SSRC paired by FID, msid, codec).</summary>
    public DownTrack Describe() => new(Producer.Id, Producer.Media.Kind, Producer.Media.StreamId ?? Producer.ParticipantId,
        Codec, Ssrc, RtxSsrc == 0 ? null : RtxSsrc, Producer.ParticipantId);

    /// <summary>Pauses or resumes forwarding (the subscriber's mute / tile hidden).</summary>
    public void SetPaused(bool paused)
    {
        lock (Producer.Connection.Gate)
        {
            Paused = paused;
            ApplyTarget(paused ? LayerSwitchReason.Pause : LayerSwitchReason.Resume);
        }
    }

    /// <summary>Caps the layers sent (the v1 default is the highest): spatial 0–2, temporal 0–3.</summary>
    public void SetMaxLayer(int spatial, int temporal = 3, LayerSwitchReason reason = LayerSwitchReason.Estimate)
    {
        lock (Producer.Connection.Gate)
        {
            _maxSpatial = Math.Clamp(spatial, 0, SimulcastSelector.MaxSpatialLayers - 1);
            _maxTemporal = Math.Clamp(temporal, 0, 3);
            ApplyTarget(reason);
        }
    }

    /// <summary>
    /// Caps the spatial layer from the subscriber's visible tile: the lowest layer at least as tall as
    /// <paramref name="height"/> (layer heights from key frames; unknown layers count as ¼, ½ and full height).
    /// </summary>
    public void SetVisibleSize(int width, int height)
    {
        _visibleWidth = Math.Max(width, 0);
        _visibleHeight = Math.Max(height, 0);
        SetMaxLayer(Math.Max(WantedSpatial(), 0), _maxTemporal, LayerSwitchReason.TileSize);
    }

    /// <summary>
    /// The spatial layer this subscriber's tile calls for, whatever its downlink (dynacast's demand): -1 while the app
    /// hides the video, the top layer while it has not said, else the lowest layer at least as tall as the tile. Layers
    /// the publisher paused keep the height their last key frame had, so demand can rise to them again.
    /// </summary>
    internal int WantedSpatial()
    {
        int height = _visibleHeight;
        if (height <= 0 || (_visibleWidth <= 0 && height != int.MaxValue)) return -1;
        var layers = Producer.Layers;
        int top = layers[^1].Height;
        for (int i = 0; i < layers.Length; i++)
        {
            int h = layers[i].Height != 0 ? layers[i].Height : top == 0 ? 0 : top >> (layers.Length - 1 - i);
            if (h != 0 && h >= height) return i;
        }
        return layers.Length - 1;
    }

    /// <summary>
    /// Re-aims the selector at the least of: the API's max layer, the producer's layers, the highest layer the publisher
    /// is sending, and the allocator's choice (-1 pauses). Under the lock.
    /// </summary>
    internal void ApplyTarget(LayerSwitchReason reason)
    {
        if (_selector is null) return;
        int spatial = Math.Min(Math.Min(_maxSpatial, Producer.Layers.Length - 1), Math.Max(_highestActive, 0));
        spatial = Paused || _allocatedSpatial < 0 ? -1 : Math.Min(spatial, _allocatedSpatial);
        _selector.SetTarget(spatial, _maxTemporal, reason);
    }

    /// <summary>The highest layer the publisher sends now (the tick's view). Under the lock.</summary>
    internal void SetHighestActive(int spatial)
    {
        if (spatial == _highestActive) return;
        var reason = spatial < _highestActive ? LayerSwitchReason.LayerLost : LayerSwitchReason.Resume;
        _highestActive = spatial;
        ApplyTarget(reason);
    }

    /// <summary>What the layer allocator needs about this down-track. Under the lock.</summary>
    internal DownTrackDemand Demand(long nowMicros, bool activeSpeaker)
    {
        var layers = Producer.Layers;
        var offers = new List<LayerOffer>(layers.Length);
        int top = layers[^1].Height;
        for (int i = 0; i < layers.Length; i++)
        {
            long bitrate = layers[i].Bitrate.BitsPerSecond(nowMicros);
            if (bitrate <= 0) continue;
            int height = layers[i].Height != 0 ? layers[i].Height : top != 0 ? top >> (layers.Length - 1 - i) : 180 << i;
            offers.Add(new LayerOffer(new VideoLayer(i, 0), height, bitrate) { Width = layers[i].Width });
        }
        return new DownTrackDemand
        {
            TrackId = Id,
            Kind = Producer.IsAudio ? TrackKind.Audio : TrackKind.Video,
            Source = Producer.IsAudio ? TrackSource.Microphone : TrackSource.Camera,
            ActiveSpeaker = activeSpeaker,
            VisibleHeight = _visibleHeight,
            VisibleWidth = _visibleWidth,
            Layers = [.. offers],
        };
    }

    /// <summary>Applies the allocator's decision: a spatial cap, or a pause for lack of budget. Under the lock.</summary>
    internal void ApplyAllocation(in LayerDecision decision)
    {
        if (Producer.IsAudio || decision.Reason == AllocationReason.PausedNoLayers) return;
        int spatial = decision.Target.IsPaused ? -1 : decision.Target.Spatial;
        if (spatial == _allocatedSpatial) return;
        var reason = decision.Reason == AllocationReason.PausedNotVisible ? LayerSwitchReason.TileSize : LayerSwitchReason.Estimate;
        _allocatedSpatial = spatial;
        ApplyTarget(reason);
    }

    /// <summary>
    /// Forwards one publisher packet to this subscriber: choose, copy into <paramref name="scratch"/>, rewrite, send.
    /// Under the publisher connection's lock; allocates nothing.
    /// </summary>
    internal void Forward(ReadOnlySpan<byte> source, in RtpPacket packet, ProducerLayer layer, in FrameInfo frame, byte[] scratch, long now)
    {
        if (Closed)
            return;
        // Until the subscriber can receive, a new down-track does not start: its first key frame is asked for then.
        if (PacketsSent == 0 && !Subscriber.Sender.CanSend)
            return;
        ushort sequence = packet.SequenceNumber;
        if (Paused || frame.Padding)
        {
            _rewriter.TrySkip(layer.Ssrc, sequence);
            return;
        }
        if (_selector is not null)
        {
            var decision = _selector.Decide(layer.Spatial, frame.Temporal, frame.Keyframe, frame.LayerSync);
            if (_selector.NeedsKeyframe)
                Producer.RequestKeyframe(_selector.TargetSpatial);
            if (decision == ForwardDecision.Drop)
            {
                if (layer.Ssrc == _rewriter.SourceSsrc)
                    _rewriter.TrySkip(layer.Ssrc, sequence);
                return;
            }
        }
        int length = source.Length;
        if (length + IRtpPacketSender.ProtectionHeadroom > scratch.Length)
            return;
        source.CopyTo(scratch);
        var buffer = scratch.AsSpan(0, length);
        if (!_rewriter.TryRewrite(buffer, layer.Ssrc, sequence, packet.Timestamp, out var outcome))
            return;
        RtpPacketEditor.SetPayloadType(buffer, PayloadType);
        if (packet.ExtensionOffset >= 0)
            RewriteExtensions(buffer.Slice(packet.ExtensionOffset, packet.ExtensionLength), packet.IsOneByteExtension, length, now);
        if (_munger is not null && frame.HasVp8)
        {
            var payload = buffer.Slice(packet.PayloadOffset, packet.PayloadLength);
            if (_munger.TryRewrite(payload, frame.Vp8, outcome == RewriteOutcome.Switched, out ushort pictureId, out byte tl0))
                _rewriter.RecordVp8(BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]), pictureId, tl0);
        }
        _lastSourceTimestamp = packet.Timestamp;
        _lastOutTimestamp = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
        _lastSentAt = now;
        if (Subscriber.Sender.SendRtp(scratch, length))
        {
            PacketsSent++;
            BytesSent += length;
            PayloadBytesSent += packet.PayloadLength;
        }
    }

    /// <summary>Answers a NACK (RFC 4585 §6.2.1) with RTX (RFC 4588) or plain resends. Under the lock.</summary>
    internal int Retransmit(ReadOnlySpan<ushort> lost, byte[] scratch)
    {
        int sent = 0;
        long now = Producer.Connection.Router.Time.GetTimestamp();
        var room = scratch.AsSpan(0, scratch.Length - IRtpPacketSender.ProtectionHeadroom);
        foreach (ushort sequence in lost)
        {
            if (!_nack.TryRetransmit(sequence, room, out int written, out _))
                continue;
            var packet = room[..written];
            if (RtxSsrc == 0)
                RtpPacketEditor.SetPayloadType(packet, PayloadType);
            if (RtpPacket.TryRead(packet, out var parsed, out _) && parsed.ExtensionOffset >= 0)
                RewriteExtensions(packet.Slice(parsed.ExtensionOffset, parsed.ExtensionLength), parsed.IsOneByteExtension, written, now);
            if (Subscriber.Sender.SendRtp(scratch, written))
                sent++;
        }
        return sent;
    }

    /// <summary>A report block about this SSRC from the subscriber's RR (RFC 3550 §6.4.1): loss and round trip.</summary>
    internal void OnReportBlock(in RtcpReportBlock block, uint arrivalNtpMiddle32)
    {
        FractionLost = block.FractionLost / 256.0;
        if (block.RoundTripTime(arrivalNtpMiddle32) is TimeSpan rtt && rtt > TimeSpan.Zero)
            _nack.RoundTripTime = rtt;
    }

    /// <summary>
    /// SR (RFC 3550 §6.4.1) plus SDES CNAME for this down-track: the RTP time of now on the rewritten timeline, mapped
    /// from the publisher's SR of the forwarded layer when there is one, else extrapolated from the last packet sent.
    /// </summary>
    internal bool TryWriteSenderReport(Span<byte> destination, DateTime utcNow, long now, long frequency, out int written)
    {
        written = 0;
        if (!_rewriter.Started || PacketsSent == 0)
            return false;
        int clockRate = Math.Max(1, Codec.ClockRate);
        uint rtpNow;
        var layer = Producer.FindLayer(_rewriter.SourceSsrc);
        if (layer is { HasSenderReport: true })
        {
            var sr = layer.LastSenderReport;
            // The SR's wall clock is the publisher's: advance its RTP time by our elapsed time since it arrived.
            uint sourceNow = unchecked(sr.RtpTimestamp + (uint)((now - layer.LastSenderReportAt) * (double)clockRate / frequency));
            rtpNow = unchecked(sourceNow + (_lastOutTimestamp - _lastSourceTimestamp));
        }
        else
            rtpNow = unchecked(_lastOutTimestamp + (uint)((now - _lastSentAt) * (double)clockRate / frequency));
        var info = RtcpSenderInfo.At(utcNow, rtpNow, (uint)PacketsSent, (uint)PayloadBytesSent);
        if (!RtcpReport.TryWriteSenderReport(destination, Ssrc, info, [], out int srLength, out _))
            return false;
        if (!RtcpSdesReader.TryWriteCname(destination[srLength..], Ssrc, _cname, out int sdes, out _))
            return false;
        written = srLength + sdes;
        return true;
    }
}
