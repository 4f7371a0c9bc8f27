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
/// down-track, transport-cc feedback goes to <see cref="FeedbackSink"/>. Its consumer list is copy-on-write.
/// </summary>
internal sealed class SubscriberConnection : IRtpPacketReceiver
{
    private Consumer[] _consumers = [];
    private int _transportSequence;

    internal SubscriberConnection(SfuRouter router, string participantId, IRtpPacketSender sender)
    {
        Router = router;
        ParticipantId = participantId;
        Sender = sender;
    }

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

    /// <summary>The next transport-wide sequence number on this subscriber's transport (draft-holmer §2).</summary>
    internal ushort NextTransportSequence() => (ushort)Interlocked.Increment(ref _transportSequence);

    internal void AddConsumer(Consumer consumer)
    {
        var old = _consumers;
        var next = new Consumer[old.Length + 1];
        old.CopyTo(next, 0);
        next[^1] = consumer;
        Volatile.Write(ref _consumers, next);
    }

    internal void RemoveConsumer(Consumer consumer)
    {
        var old = _consumers;
        int index = Array.IndexOf(old, consumer);
        if (index < 0) return;
        var next = new Consumer[old.Length - 1];
        Array.Copy(old, 0, next, 0, index);
        Array.Copy(old, index + 1, next, index, old.Length - index - 1);
        Volatile.Write(ref _consumers, next);
    }

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
