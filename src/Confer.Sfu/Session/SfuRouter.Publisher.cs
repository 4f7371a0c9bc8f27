using Confer.Sfu.Bandwidth;
using Confer.Sfu.Forwarding;
using Confer.Sfu.Rtcp;
using Confer.Sfu.Rtp;

namespace Confer.Sfu.Session;

/// <summary>
/// A publisher's peer connection as the graph sees it: routes each decrypted RTP packet by SSRC, or by the mid header
/// extension (RFC 9143 §15) for a stream not seen before, to its <see cref="Producer"/>; records transport-wide arrival
/// times for TWCC feedback; reads the publisher's SRs. <see cref="Gate"/> serializes everything about this publisher's
/// producers and their consumers: the receive thread, subscribers' NACK/PLI handling and the router's tick. It is the
/// one lock the per-packet path takes for the graph itself (uncontended except when the tick or a subscriber's feedback
/// runs); besides it only the subscriber's send-history lock (transport-cc numbering) and the sender's own are taken.
/// </summary>
internal sealed class PublisherConnection : IRtpPacketReceiver
{
    private const int BufferSize = PacketCache.DefaultSlotSize + 64;
    private readonly Dictionary<uint, Producer> _bySsrc = [];
    private readonly List<Producer> _producers = [];
    private readonly TwccRecorder _twcc;
    private readonly Bandwidth.TwccArrival[] _twccArrivals = new Bandwidth.TwccArrival[512];
    private readonly Rtcp.TwccArrival[] _twccWire = new Rtcp.TwccArrival[512];
    private readonly ushort[] _nackScratch = new ushort[256];
    private readonly byte[] _rtcpBuffer = new byte[1500];
    private byte _twccId;

    internal PublisherConnection(SfuRouter router, string participantId, IRtpPacketSender sender)
    {
        Router = router;
        ParticipantId = participantId;
        Sender = sender;
        Frequency = router.Time.TimestampFrequency;
        NackIntervalTicks = Frequency / 50; // 20 ms
        _twcc = new TwccRecorder(router.Time, new TwccRecorderOptions { FeedbackInterval = router.Options.TwccFeedbackInterval });
        RtcpSsrc = router.NewSsrc();
    }

    public string ParticipantId { get; }
    internal SfuRouter Router { get; }
    internal IRtpPacketSender Sender { get; }
    internal object Gate { get; } = new();
    internal long Frequency { get; }
    internal long NackIntervalTicks { get; }
    /// <summary>Our SSRC as the sender of RTCP towards this publisher (RFC 3550 §6.4.2).</summary>
    internal uint RtcpSsrc { get; }
    /// <summary>Scratch for a forwarded packet (one per publisher: only used under <see cref="Gate"/>).</summary>
    internal byte[] SendBuffer { get; } = new byte[BufferSize];
    /// <summary>Scratch for an original packet rebuilt from RTX.</summary>
    internal byte[] RestoreBuffer { get; } = new byte[BufferSize];
    public long RtpPackets { get; private set; }
    public long RtcpPackets { get; private set; }
    public long Unrouted { get; private set; }
    public long Malformed { get; private set; }
    public long TwccFeedbackSent { get; private set; }
    public long NacksSent { get; private set; }
    public long KeyframeRequestsSent { get; private set; }
    public long ReceiverReportsSent { get; private set; }
    internal IReadOnlyList<Producer> Producers => _producers;

    /// <summary>Under <see cref="Gate"/>.</summary>
    internal void Add(Producer producer)
    {
        _producers.Add(producer);
        foreach (uint ssrc in producer.KnownSsrcs())
            _bySsrc[ssrc] = producer;
        if (_twccId == 0)
            _twccId = producer.Extensions.TransportWideCc;
    }

    /// <summary>Under <see cref="Gate"/>.</summary>
    internal void Remove(Producer producer)
    {
        _producers.Remove(producer);
        foreach (uint ssrc in producer.KnownSsrcs())
            if (_bySsrc.TryGetValue(ssrc, out var p) && p == producer)
                _bySsrc.Remove(ssrc);
    }

    internal void MapSsrc(uint ssrc, Producer producer) => _bySsrc[ssrc] = producer;

    public void OnRtp(Span<byte> packet)
    {
        if (!RtpPacket.TryRead(packet, out var rtp, out _))
        {
            Malformed++;
            return;
        }
        long now = Router.Time.GetTimestamp();
        Producer? producer;
        lock (Gate)
        {
            RtpPackets++;
            if (_twccId != 0 && rtp.TryGetTransportSequenceNumber(_twccId, out ushort transportSequence))
                _twcc.Record(transportSequence);
            if (!_bySsrc.TryGetValue(rtp.Ssrc, out producer) && !TryFindByMid(in rtp, out producer))
            {
                Unrouted++;
                return;
            }
            producer.OnRtp(packet, now);
            if (!producer.HasPendingEvents)
                return;
        }
        producer.RaisePendingEvents();
    }

    private bool TryFindByMid(in RtpPacket rtp, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Producer? producer)
    {
        foreach (var candidate in _producers)
        {
            byte midId = candidate.Extensions.Mid;
            if (midId != 0 && rtp.ExtensionEquals(midId, candidate.MidBytes))
            {
                producer = candidate;
                return true;
            }
        }
        // One producer and no mid extension to tell: it is that one's.
        if (_producers.Count == 1 && _producers[0].Extensions.Mid == 0)
        {
            producer = _producers[0];
            return true;
        }
        producer = null;
        return false;
    }

    /// <summary>The publisher's RTCP: SRs (RFC 3550 §6.4.1) feed RR's LSR/DLSR and the subscribers' SR mapping.</summary>
    public void OnRtcp(Span<byte> packet)
    {
        long now = Router.Time.GetTimestamp();
        var reader = new RtcpCompoundReader(packet);
        int guard = 0;
        while (!reader.IsAtEnd && guard++ < 64)
        {
            if (!reader.TryReadNext(out var rtcp, out _))
            {
                Malformed++;
                return;
            }
            if (rtcp.Type != RtcpPacketType.SenderReport || !RtcpReport.TryRead(rtcp, out var report, out _) || !report.IsSenderReport)
                continue;
            lock (Gate)
            {
                RtcpPackets++;
                if (_bySsrc.TryGetValue(report.Ssrc, out var producer))
                    producer.FindLayer(report.Ssrc)?.OnSenderReport(report.SenderInfo, now);
            }
        }
    }

    /// <summary>Generic NACK (RFC 4585 §6.2.1) for a layer's due sequence numbers. Under <see cref="Gate"/>.</summary>
    internal void SendNacks(ProducerLayer layer, long now)
    {
        layer.LastNackCollectAt = now;
        if (layer.Ssrc == 0) return;
        int count = layer.Loss.CollectNacks(_nackScratch);
        if (count == 0) return;
        Span<byte> buffer = stackalloc byte[RtcpFeedback.FixedLength + 4 * 256 + IRtpPacketSender.ProtectionHeadroom];
        if (RtcpNack.TryWrite(buffer, RtcpSsrc, layer.Ssrc, _nackScratch.AsSpan(0, count), out int written, out _)
            && Sender.SendRtcp(buffer, written))
            NacksSent++;
    }

    /// <summary>PLI (RFC 4585 §6.3.1) or FIR (RFC 5104 §4.3.1) towards the publisher.</summary>
    internal void SendKeyframeRequest(uint mediaSsrc, KeyframeRequestKind kind, byte firSequence)
    {
        Span<byte> buffer = stackalloc byte[RtcpFir.Length + IRtpPacketSender.ProtectionHeadroom];
        bool ok = kind == KeyframeRequestKind.Fir
            ? RtcpFir.TryWrite(buffer, RtcpSsrc, mediaSsrc, firSequence, out int written, out _)
            : RtcpPli.TryWrite(buffer, RtcpSsrc, mediaSsrc, out written, out _);
        if (ok && Sender.SendRtcp(buffer, written))
            KeyframeRequestsSent++;
    }

    /// <summary>
    /// The router's tick for this publisher, under <see cref="Gate"/>: TWCC feedback when due (this is what lets the
    /// browser's estimate ramp up), NACK retries, key frame request retries, and every report interval one RR with
    /// a block per received stream (RFC 3550 §6.4.2).
    /// </summary>
    internal void OnTick(long now, bool reportDue)
    {
        while (_twcc.TryTakeFeedback(_twccArrivals, out var batch))
        {
            for (int i = 0; i < batch.Count; i++)
                _twccWire[i] = new Rtcp.TwccArrival(_twccArrivals[i].Sequence, _twccArrivals[i].Received, _twccArrivals[i].ArrivalMicros);
            uint media = _producers.Count > 0 && _producers[0].Layers[0].Ssrc != 0 ? _producers[0].Layers[0].Ssrc : 0;
            var rest = _twccWire.AsSpan(0, batch.Count);
            byte feedbackCount = batch.FeedbackCount;
            int rounds = 0;
            while (!rest.IsEmpty && rounds++ < 16)
            {
                if (!TwccFeedbackWriter.TryWrite(_rtcpBuffer, 1200, RtcpSsrc, media, feedbackCount++, rest, out int written, out int consumed, out _)
                    || consumed == 0)
                    break;
                if (Sender.SendRtcp(_rtcpBuffer, written))
                    TwccFeedbackSent++;
                rest = rest[consumed..];
            }
        }
        foreach (var producer in _producers)
            foreach (var layer in producer.Layers)
            {
                if (layer.Loss.Tracked > 0)
                    SendNacks(layer, now);
                layer.Keyframes.Retry();
            }
        if (reportDue)
            SendReceiverReport(now);
    }

    private void SendReceiverReport(long now)
    {
        Span<RtcpReportBlock> blocks = stackalloc RtcpReportBlock[31];
        int count = 0;
        foreach (var producer in _producers)
            foreach (var layer in producer.Layers)
                if (count < blocks.Length && layer.TryGetReportBlock(now, Frequency, out var block))
                    blocks[count++] = block;
        if (count == 0) return;
        if (RtcpReport.TryWriteReceiverReport(_rtcpBuffer, RtcpSsrc, blocks[..count], out int written, out _)
            && Sender.SendRtcp(_rtcpBuffer, written))
            ReceiverReportsSent++;
    }
}
