using Confer.Sfu.Bandwidth;
using Confer.Sfu.Forwarding;
using Confer.Sfu.Rtcp;

namespace Confer.Sfu.Session;

/// <summary>
/// One received RTP stream of a <see cref="Producer"/>: a simulcast layer (RFC 8853) or the single stream of an
/// unlayered track. Owns its retransmission cache, its loss detector (NACKs upstream, RFC 4585 §6.2.1), its key
/// frame requester and its receive statistics for the RR (RFC 3550 §6.4.2, §A.3, §A.8). Everything here is touched
/// only under the owning publisher connection's lock.
/// </summary>
internal sealed class ProducerLayer : IKeyframeRequestSink, IDisposable
{
    private readonly Producer _producer;
    private SequenceUnwrapper _unwrapper;
    private long _baseSequence = -1;
    private long _expectedPrior;
    private long _receivedPrior;
    private long _lastTransit;
    private bool _haveTransit;
    private double _jitter;

    public ProducerLayer(Producer producer, int spatial, string? rid, uint ssrc, uint rtxSsrc, TimeProvider time)
    {
        _producer = producer;
        Spatial = spatial;
        Rid = rid;
        Ssrc = ssrc;
        RtxSsrc = rtxSsrc;
        // Audio packets are small and few (50/s): 128 of them reach back 2.5 s, as far as a NACK is still useful.
        Cache = new PacketCache(producer.IsAudio ? 128 : PacketCache.DefaultCapacity);
        Loss = new LossDetector(time, firstNackDelay: TimeSpan.FromMilliseconds(10));
        Keyframes = new KeyframeRequester(0, this, time);
        Bitrate = new BitrateMeter(TimeSpan.FromSeconds(1), 10);
    }

    public int Spatial { get; }
    /// <summary>The rid (RFC 8851) of this layer, null without simulcast.</summary>
    public string? Rid { get; }
    /// <summary>Media SSRC; 0 until learned from a packet.</summary>
    public uint Ssrc { get; internal set; }
    /// <summary>RTX SSRC (RFC 4588); 0 until learned or when none.</summary>
    public uint RtxSsrc { get; internal set; }
    public PacketCache Cache { get; }
    public LossDetector Loss { get; }
    public KeyframeRequester Keyframes { get; }
    public BitrateMeter Bitrate { get; }
    public long Packets { get; private set; }
    public long Bytes { get; private set; }
    public long RtxPackets { get; internal set; }
    public long Keyframe { get; internal set; }
    /// <summary>Monotonic timestamp of the last packet, 0 before any.</summary>
    public long LastPacketAt { get; private set; }
    /// <summary>Frame size seen on the last key frame (VP8/VP9 headers), 0 when unknown.</summary>
    public int Width { get; internal set; }
    public int Height { get; internal set; }
    /// <summary>The publisher's last SR for this stream (RFC 3550 §6.4.1) and when it arrived (monotonic ticks).</summary>
    public RtcpSenderInfo LastSenderReport { get; private set; }
    public long LastSenderReportAt { get; private set; }
    public bool HasSenderReport => LastSenderReportAt != 0;
    internal long LastNackCollectAt { get; set; }

    /// <summary>Counts one received packet (original or repaired) for statistics, jitter and loss.</summary>
    public void OnPacket(ushort sequence, uint timestamp, int bytes, long now, long frequency, int clockRate, bool repaired)
    {
        Loss.OnPacket(sequence);
        long extended = _unwrapper.Unwrap(sequence);
        if (_baseSequence < 0 || extended < _baseSequence)
            _baseSequence = extended;
        Packets++;
        Bytes += bytes;
        LastPacketAt = now;
        Bitrate.Add(bytes, now / frequency * 1_000_000 + now % frequency * 1_000_000 / frequency);
        if (repaired || clockRate <= 0)
            return;
        // RFC 3550 §A.8: interarrival jitter from transit times in timestamp units.
        long arrival = (long)(now / (double)frequency * clockRate);
        long transit = arrival - timestamp;
        if (_haveTransit)
        {
            long d = Math.Abs(transit - _lastTransit);
            if (d < clockRate * 10L)
                _jitter += (d - _jitter) / 16.0;
        }
        _lastTransit = transit;
        _haveTransit = true;
    }

    public void OnSenderReport(in RtcpSenderInfo info, long now)
    {
        LastSenderReport = info;
        LastSenderReportAt = now;
    }

    /// <summary>The RR report block for this stream (RFC 3550 §6.4.1, §A.3); false before any packet.</summary>
    public bool TryGetReportBlock(long now, long frequency, out RtcpReportBlock block)
    {
        block = default;
        if (_baseSequence < 0 || Ssrc == 0)
            return false;
        long expected = _unwrapper.Highest - _baseSequence + 1;
        long lost = Math.Clamp(expected - Packets, RtcpReportBlock.MinCumulativeLost, RtcpReportBlock.MaxCumulativeLost);
        long expectedInterval = expected - _expectedPrior;
        long receivedInterval = Packets - _receivedPrior;
        _expectedPrior = expected;
        _receivedPrior = Packets;
        uint lsr = 0, dlsr = 0;
        if (HasSenderReport)
        {
            lsr = LastSenderReport.NtpMiddle32;
            dlsr = RtcpReportBlock.ToDelayUnits(TimeSpan.FromSeconds((now - LastSenderReportAt) / (double)frequency));
        }
        block = new RtcpReportBlock(Ssrc, RtcpReportBlock.ComputeFractionLost(expectedInterval, receivedInterval), (int)lost,
            (uint)_unwrapper.Highest, (uint)_jitter, lsr, dlsr);
        return true;
    }

    void IKeyframeRequestSink.RequestKeyframe(uint mediaSsrc, KeyframeRequestKind kind, byte firSequence) =>
        _producer.SendKeyframeRequest(Ssrc, kind, firSequence);

    public void Dispose() => Cache.Dispose();
}
