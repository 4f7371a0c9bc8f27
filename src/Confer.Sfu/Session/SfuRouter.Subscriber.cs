using Confer.Sfu.Bandwidth;
using Confer.Sfu.Rtcp;

namespace Confer.Sfu.Session;

/// <summary>
/// Where a subscriber's transport-wide feedback goes (the send-side estimator and layer allocator of that
/// subscriber, draft-ietf-rmcat-gcc-02 §5); the graph only parses and hands it on.
/// </summary>
internal interface ISubscriberFeedbackSink
{
    /// <summary>One transport-cc feedback message (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1); a view valid during the call.</summary>
    void OnTransportFeedback(in TwccFeedback feedback);
}

/// <summary>
/// A subscriber's peer connection as the graph sees it: sends its down-tracks' RTP and SRs, and handles its RTCP —
/// PLI/FIR (RFC 4585 §6.3.1, RFC 5104 §4.3.1) become the producer's throttled key frame request, NACKs (RFC 4585
/// §6.2.1) are answered from the producer's cache, RR blocks (RFC 3550 §6.4.2) give loss and round trip per
/// down-track, transport-cc feedback feeds this transport's <see cref="Estimator"/> (draft-ietf-rmcat-gcc-02) and
/// then <see cref="FeedbackSink"/> (where a layer allocator plugs in). Its consumer list is copy-on-write. The send
/// history that numbers outgoing packets for transport-cc is shared by every publisher's receive thread, so it has
/// one small lock (<c>_sendLock</c>, the sender's own, held for a ring-buffer write).
/// </summary>
internal sealed class SubscriberConnection : IRtpPacketReceiver
{
    private const int MaxStatuses = 1024;
    private Consumer[] _consumers = [];
    private readonly object _sendLock = new();
    private readonly SendHistory _history;
    private readonly TwccPacketStatus[] _statuses = new TwccPacketStatus[MaxStatuses];
    private readonly Bandwidth.TwccArrival[] _arrivals = new Bandwidth.TwccArrival[MaxStatuses];

    internal SubscriberConnection(SfuRouter router, string participantId, IRtpPacketSender sender)
    {
        Router = router;
        ParticipantId = participantId;
        Sender = sender;
        _history = new SendHistory(router.Time);
        Estimator = new SendSideEstimator(_history, router.Time);
    }

    /// <summary>The send-side bandwidth estimate towards this subscriber; read <see cref="TargetBitrate"/> for its value.</summary>
    internal SendSideEstimator Estimator { get; }

    /// <summary>The estimator's current target, bits per second.</summary>
    public long TargetBitrate { get { lock (_sendLock) return Estimator.TargetBitrate; } }

    public string ParticipantId { get; }
    internal SfuRouter Router { get; }
    internal IRtpPacketSender Sender { get; }
    /// <summary>SSRCs given to this transport's down-tracks (changed under the router's lock).</summary>
    internal HashSet<uint> UsedSsrcs { get; } = [];
    public IReadOnlyList<Consumer> Consumers => Volatile.Read(ref _consumers);
    /// <summary>The seam to the subscriber's bandwidth estimator; null drops transport-cc feedback after counting it.</summary>
    public ISubscriberFeedbackSink? FeedbackSink { get; set; }
    public long RtcpPackets => Interlocked.Read(ref _rtcpPackets);
    public long Malformed => Interlocked.Read(ref _malformed);
    public long TransportFeedbacks => Interlocked.Read(ref _transportFeedbacks);
    private long _rtcpPackets, _malformed, _transportFeedbacks;

    /// <summary>Records a packet of <paramref name="size"/> bytes going out now and returns its transport-wide sequence number (draft-holmer §2).</summary>
    internal ushort NextTransportSequence(int size, long nowTicks)
    {
        long frequency = Router.Time.TimestampFrequency;
        long micros = nowTicks / frequency * 1_000_000 + nowTicks % frequency * 1_000_000 / frequency;
        lock (_sendLock)
            return _history.Record(size, micros);
    }

    private long _deficientSince, _lastProbeAt, _probedTo;
    private long _probeInterval;

    /// <summary>
    /// After an allocation: <paramref name="wanted"/> is the estimate the subscriber's tiles call for one layer up (0 when
    /// every video got the layer its tile needs). Deficient for a while with an uncongested path, the estimate is raised
    /// there so the next layer is tried (probing by media, LiveKit's "probe by layer"); a probe the path refuses (the
    /// estimate fell back) makes the next wait twice as long, up to 32 s.
    /// </summary>
    internal void ConsiderProbe(long wanted, long now, long frequency)
    {
        lock (_sendLock)
        {
            if (_probeInterval == 0) _probeInterval = 4 * frequency;
            if (_probedTo != 0 && now - _lastProbeAt >= 2 * frequency)
            {
                bool held = Estimator.TargetBitrate >= _probedTo * 9 / 10;
                _probeInterval = held ? 4 * frequency : Math.Min(_probeInterval * 2, 32 * frequency);
                _probedTo = 0;
            }
            if (wanted <= Estimator.TargetBitrate) { _deficientSince = 0; return; }
            if (_deficientSince == 0) _deficientSince = now;
            if (_probedTo != 0 || now - _deficientSince < _probeInterval || now - _lastProbeAt < _probeInterval) return;
            if (Estimator.Probe(wanted) < wanted) return;
            _lastProbeAt = now;
            _probedTo = wanted;
        }
    }

    /// <summary>The router's tick: the estimator backs off when feedback stops.</summary>
    internal void OnTick()
    {
        lock (_sendLock)
            Estimator.OnTick();
    }

    private void OnTransportFeedback(in TwccFeedback feedback)
    {
        if (feedback.StatusCount > MaxStatuses || !feedback.TryGetStatuses(_statuses, out int count, out _))
            return;
        lock (_sendLock)
        {
            long arrival = feedback.ReferenceTimeMicros;
            for (int i = 0; i < count; i++)
            {
                var status = _statuses[i];
                if (status.Received) arrival += status.DeltaMicros;
                _arrivals[i] = new Bandwidth.TwccArrival(status.Sequence, status.Received, status.Received ? arrival : 0);
            }
            Estimator.OnFeedback(_arrivals.AsSpan(0, count));
        }
    }

    internal void AddConsumer(Consumer consumer) => CopyOnWrite.Add(ref _consumers, consumer);

    internal void RemoveConsumer(Consumer consumer) => CopyOnWrite.Remove(ref _consumers, consumer);

    private Consumer? Find(uint ssrc)
    {
        foreach (var consumer in Volatile.Read(ref _consumers))
            if (consumer.Ssrc == ssrc || (consumer.RtxSsrc == ssrc && ssrc != 0))
                return consumer;
        return null;
    }

    /// <summary>A subscriber sends no media to the SFU on this connection; RTP from it is ignored.</summary>
    public void OnRtp(Span<byte> packet) { }

    public void OnRtcp(Span<byte> packet)
    {
        var reader = new RtcpCompoundReader(packet);
        int guard = 0;
        while (!reader.IsAtEnd && guard++ < 64)
        {
            if (!reader.TryReadNext(out var rtcp, out _))
            {
                Interlocked.Increment(ref _malformed);
                return;
            }
            Interlocked.Increment(ref _rtcpPackets);
            switch (rtcp.Type)
            {
                case RtcpPacketType.TransportFeedback when rtcp.Count == RtcpFeedbackFormat.GenericNack:
                    OnNack(in rtcp);
                    break;
                case RtcpPacketType.TransportFeedback when rtcp.Count == RtcpFeedbackFormat.TransportWideCc:
                    if (TwccFeedback.TryRead(rtcp, out var twcc, out _))
                    {
                        Interlocked.Increment(ref _transportFeedbacks);
                        OnTransportFeedback(in twcc);
                        FeedbackSink?.OnTransportFeedback(twcc);
                    }
                    break;
                case RtcpPacketType.PayloadFeedback when rtcp.Count == RtcpFeedbackFormat.PictureLossIndication:
                    if (RtcpPli.TryRead(rtcp, out var pli, out _))
                        OnKeyframeRequest(pli.MediaSsrc);
                    break;
                case RtcpPacketType.PayloadFeedback when rtcp.Count == RtcpFeedbackFormat.FullIntraRequest:
                    if (RtcpFir.TryRead(rtcp, out var fir, out _))
                        for (int i = 0; i < RtcpFir.EntryCount(fir) && i < 16; i++)
                            OnKeyframeRequest(RtcpFir.GetEntry(fir, i).Ssrc);
                    break;
                case RtcpPacketType.ReceiverReport or RtcpPacketType.SenderReport:
                    OnReport(in rtcp);
                    break;
            }
        }
    }

    private void OnKeyframeRequest(uint mediaSsrc)
    {
        var consumer = Find(mediaSsrc);
        if (consumer is null) return;
        lock (consumer.Producer.Connection.Gate)
            if (!consumer.Closed)
                consumer.Producer.RequestKeyframe(Math.Max(consumer.CurrentSpatial, consumer.TargetSpatial));
    }

    private void OnNack(in RtcpPacket rtcp)
    {
        if (!RtcpNack.TryRead(rtcp, out var nack, out _)) return;
        var consumer = Find(nack.MediaSsrc);
        if (consumer is null) return;
        Span<ushort> lost = stackalloc ushort[Math.Min(RtcpNack.CountLost(nack), 512)];
        if (!RtcpNack.TryExpand(nack, lost, out int count, out _) && count == 0) return;
        var connection = consumer.Producer.Connection;
        lock (connection.Gate)
            if (!consumer.Closed)
                consumer.Retransmit(lost[..count], connection.SendBuffer);
    }

    private void OnReport(in RtcpPacket rtcp)
    {
        if (!RtcpReport.TryRead(rtcp, out var report, out _)) return;
        uint arrival = (uint)(RtcpSenderInfo.ToNtp(Router.Time.GetUtcNow().UtcDateTime) >> 16);
        for (int i = 0; i < report.BlockCount && i < 31; i++)
        {
            var block = report.GetBlock(i);
            var consumer = Find(block.Ssrc);
            if (consumer is null) continue;
            lock (consumer.Producer.Connection.Gate)
                consumer.OnReportBlock(in block, arrival);
        }
    }
}
