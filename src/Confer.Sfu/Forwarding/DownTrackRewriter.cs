using System.Buffers.Binary;

namespace Confer.Sfu.Forwarding;

/// <summary>What <see cref="DownTrackRewriter"/> did with one incoming packet.</summary>
internal enum RewriteOutcome : byte
{
    /// <summary>Forwarded under the current source's offsets.</summary>
    Forwarded,
    /// <summary>First packet of a new source (first packet ever, a layer switch or a new publisher): forwarded
    /// with fresh offsets that continue the outgoing sequence and timestamp.</summary>
    Switched,
    /// <summary>Dropped: sent before the current source's switch point (it belongs to the time before the switch).</summary>
    DroppedBeforeSwitch,
    /// <summary>Dropped: this sequence number was already forwarded (or skipped).</summary>
    DroppedDuplicate,
    /// <summary>Dropped: further behind the highest sequence number than the reorder window reaches.</summary>
    DroppedTooOld,
    /// <summary>Dropped: the buffer given is shorter than an RTP header.</summary>
    DroppedInvalid,
}

/// <summary>
/// What went out under an outgoing sequence number: the NACK path's way back to the cached packet, and the VP8
/// picture id and TL0PICIDX written into it (<see cref="Vp8PictureIdMunger"/>) so a retransmission repeats them.
/// </summary>
internal readonly record struct SentPacket(ushort Sequence, uint Timestamp, uint SourceSsrc, ushort SourceSequence,
    bool HasVp8 = false, ushort PictureId = 0, byte Tl0PicIdx = 0);

/// <summary>
/// One subscriber's view of one track (the rewriting half of LiveKit's DownTrack, mediasoup's
/// SimulcastConsumer): packets from whichever source is forwarded — a simulcast layer's SSRC, or another
/// publisher's — leave under one SSRC with one continuous sequence (RFC 3550 §5.1: +1 per packet) and
/// increasing timestamps. On a source change the next sequence number is last + 1 and the timestamp
/// continues from the last one plus the wall time elapsed since it, in clock-rate units (at least 1),
/// so the subscriber's decoder sees neither a gap nor time running backwards. Packets of the new source
/// older than its first forwarded packet are dropped; reordering within a source is kept (a 128-packet
/// window drops duplicates); wraps follow serial-number arithmetic. A source that restarts its sequence
/// numbers under the same SSRC is taken as a new start after 64 stale packets in a row.
/// The last <c>historySize</c> outgoing packets are remembered (<see cref="TryGetSent"/>) so a NACK for an
/// outgoing sequence number finds the source packet in that source's <see cref="PacketCache"/>.
/// </summary>
internal sealed class DownTrackRewriter
{
    private const int Window = 128;
    /// <summary>This many packets in a row behind the window or the switch point mean the source restarted its
    /// sequence numbers under the same SSRC: the next one is taken as a new start.</summary>
    private const int ResyncAfterStaleDrops = 64;

    private readonly TimeProvider _time;
    private readonly uint _clockRate;
    private readonly ushort _initialSequence;
    private readonly uint _initialTimestamp;
    private readonly SentPacket[] _history;
    private readonly bool[] _historyValid;
    private readonly int _historyMask;

    private bool _started;
    private uint _sourceSsrc;
    private ushort _sequenceOffset;
    private uint _timestampOffset;
    private ushort _highestIn;
    private ushort _switchSequence;
    private UInt128 _window;   // bit k: incoming sequence (_highestIn - k) was forwarded or skipped
    private ushort _lastSequence;
    private uint _lastTimestamp;
    private long _lastSentAt;
    private int _staleDrops;

    /// <param name="ssrc">The SSRC this subscriber receives.</param>
    /// <param name="clockRate">RTP clock rate of the codec (90000 for video).</param>
    /// <param name="initialSequence">First outgoing sequence number (RFC 3550 suggests random).</param>
    /// <param name="initialTimestamp">First outgoing timestamp (RFC 3550 suggests random).</param>
    /// <param name="historySize">Outgoing packets remembered for NACKs; a power of two.</param>
    public DownTrackRewriter(uint ssrc, uint clockRate, TimeProvider time, ushort initialSequence = 0, uint initialTimestamp = 0, int historySize = 1024)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (clockRate == 0)
            throw new ArgumentOutOfRangeException(nameof(clockRate), "The clock rate must be positive.");
        if (historySize < 16 || historySize > 32768 || (historySize & (historySize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(historySize), historySize, "The history size must be a power of two from 16 to 32768.");
        Ssrc = ssrc;
        _time = time;
        _clockRate = clockRate;
        _initialSequence = initialSequence;
        _initialTimestamp = initialTimestamp;
        _history = new SentPacket[historySize];
        _historyValid = new bool[historySize];
        _historyMask = historySize - 1;
    }

    public uint Ssrc { get; }
    public bool Started => _started;
    /// <summary>The SSRC currently forwarded.</summary>
    public uint SourceSsrc => _sourceSsrc;
    /// <summary>Highest outgoing sequence number so far.</summary>
    public ushort LastSequence => _lastSequence;
    /// <summary>Outgoing timestamp of the highest outgoing sequence number.</summary>
    public uint LastTimestamp => _lastTimestamp;
    public long Forwarded { get; private set; }
    public long Dropped { get; private set; }
    public long Switches { get; private set; }

    /// <summary>
    /// Maps one incoming packet's header values to outgoing ones. False (and an outcome saying why) when the
    /// packet must not be sent. A packet from an SSRC other than the current source switches to it: the caller
    /// (the simulcast selector) passes a new source's packets only from a key frame on.
    /// </summary>
    public bool TryRewrite(uint ssrc, ushort sequence, uint timestamp, out ushort outSequence, out uint outTimestamp, out RewriteOutcome outcome)
    {
        long now = _time.GetTimestamp();
        if (!_started || ssrc != _sourceSsrc || _staleDrops >= ResyncAfterStaleDrops)
        {
            SwitchTo(ssrc, sequence, timestamp, now);
            outcome = RewriteOutcome.Switched;
        }
        else
        {
            int delta = RtpSequence.Delta(_highestIn, sequence);
            if (delta > 0)
            {
                _window = delta >= Window ? UInt128.One : (_window << delta) | UInt128.One;
                _highestIn = sequence;
                _lastSequence = (ushort)(sequence + _sequenceOffset);
                _lastTimestamp = timestamp + _timestampOffset;
                _lastSentAt = now;
                outcome = RewriteOutcome.Forwarded;
            }
            else if (RtpSequence.Delta(_switchSequence, sequence) < 0)
                outcome = RewriteOutcome.DroppedBeforeSwitch;
            else if (-delta >= Window)
                outcome = RewriteOutcome.DroppedTooOld;
            else
            {
                UInt128 bit = UInt128.One << -delta;
                if ((_window & bit) != UInt128.Zero)
                    outcome = RewriteOutcome.DroppedDuplicate;
                else
                {
                    _window |= bit;
                    outcome = RewriteOutcome.Forwarded;
                }
            }
        }

        if (outcome is RewriteOutcome.DroppedBeforeSwitch or RewriteOutcome.DroppedTooOld)
            _staleDrops++;
        else
            _staleDrops = 0;
        if (outcome is RewriteOutcome.Forwarded or RewriteOutcome.Switched)
        {
            outSequence = (ushort)(sequence + _sequenceOffset);
            outTimestamp = timestamp + _timestampOffset;
            int slot = outSequence & _historyMask;
            _history[slot] = new SentPacket(outSequence, outTimestamp, ssrc, sequence);
            _historyValid[slot] = true;
            Forwarded++;
            return true;
        }
        outSequence = 0;
        outTimestamp = 0;
        Dropped++;
        return false;
    }

    /// <summary>
    /// <see cref="TryRewrite(uint, ushort, uint, out ushort, out uint, out RewriteOutcome)"/>, then writes the outgoing
    /// sequence number, timestamp and SSRC into <paramref name="rtpHeader"/> at their RFC 3550 §5.1 offsets
    /// (bytes 2–3, 4–7, 8–11). The header is left untouched when the packet is dropped.
    /// </summary>
    public bool TryRewrite(Span<byte> rtpHeader, uint ssrc, ushort sequence, uint timestamp, out RewriteOutcome outcome)
    {
        if (rtpHeader.Length < 12)
        {
            outcome = RewriteOutcome.DroppedInvalid;
            return false;
        }
        if (!TryRewrite(ssrc, sequence, timestamp, out ushort outSequence, out uint outTimestamp, out outcome))
            return false;
        BinaryPrimitives.WriteUInt16BigEndian(rtpHeader[2..], outSequence);
        BinaryPrimitives.WriteUInt32BigEndian(rtpHeader[4..], outTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(rtpHeader[8..], Ssrc);
        return true;
    }

    /// <summary>
    /// A packet of the current source the caller chose not to send (a temporal layer above the target,
    /// padding): the outgoing sequence closes over it so the subscriber sees no gap. Possible only for the
    /// next packet in order with nothing missing before it — otherwise a late packet would collide with an
    /// outgoing number already used — so false means the packet leaves a gap instead (the subscriber's NACK
    /// for it then finds nothing).
    /// </summary>
    public bool TrySkip(uint ssrc, ushort sequence)
    {
        if (!_started || ssrc != _sourceSsrc || RtpSequence.Delta(_highestIn, sequence) != 1)
            return false;
        int since = Math.Min(RtpSequence.Delta(_switchSequence, _highestIn) + 1, Window);
        UInt128 mask = since >= Window ? UInt128.MaxValue : (UInt128.One << since) - UInt128.One;
        if ((_window & mask) != mask)
            return false;
        _window = (_window << 1) | UInt128.One;
        _highestIn = sequence;
        _sequenceOffset--;
        return true;
    }

    /// <summary>Remembers the VP8 picture id and TL0PICIDX written into outgoing packet <paramref name="sequence"/>.</summary>
    public void RecordVp8(ushort sequence, ushort pictureId, byte tl0PicIdx)
    {
        int slot = sequence & _historyMask;
        if (_historyValid[slot] && _history[slot].Sequence == sequence)
            _history[slot] = _history[slot] with { HasVp8 = true, PictureId = pictureId, Tl0PicIdx = tl0PicIdx };
    }

    /// <summary>What was sent as <paramref name="sequence"/>, if it is still remembered.</summary>
    public bool TryGetSent(ushort sequence, out SentPacket sent)
    {
        int slot = sequence & _historyMask;
        sent = _history[slot];
        return _started && _historyValid[slot] && sent.Sequence == sequence
            && RtpSequence.Delta(sequence, _lastSequence) is >= 0 and var behind && behind <= _historyMask;
    }

    private void SwitchTo(uint ssrc, ushort sequence, uint timestamp, long now)
    {
        ushort outSequence;
        uint outTimestamp;
        if (!_started)
        {
            outSequence = _initialSequence;
            outTimestamp = _initialTimestamp;
            _started = true;
        }
        else
        {
            outSequence = (ushort)(_lastSequence + 1);
            outTimestamp = _lastTimestamp + TicksToClock(now - _lastSentAt);
            Switches++;
        }
        _sourceSsrc = ssrc;
        _sequenceOffset = (ushort)(outSequence - sequence);
        _timestampOffset = outTimestamp - timestamp;
        _highestIn = sequence;
        _switchSequence = sequence;
        _window = UInt128.One;
        _lastSequence = outSequence;
        _lastTimestamp = outTimestamp;
        _lastSentAt = now;
    }

    /// <summary>Elapsed wall time in RTP clock units, at least 1 and at most a quarter of the 32-bit space.</summary>
    private uint TicksToClock(long elapsedTicks)
    {
        if (elapsedTicks <= 0)
            return 1;
        double units = (double)elapsedTicks / _time.TimestampFrequency * _clockRate;
        return units < 1 ? 1u : units > 0x4000_0000 ? 0x4000_0000u : (uint)units;
    }
}
