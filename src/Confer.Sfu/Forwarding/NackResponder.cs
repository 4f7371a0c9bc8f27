using System.Buffers.Binary;
using Confer.Sfu.Codecs;

namespace Confer.Sfu.Forwarding;

/// <summary>Why a NACKed sequence number was not retransmitted.</summary>
internal enum RetransmitSkip : byte
{
    None = 0,
    /// <summary>The down-track no longer remembers (or never sent) this sequence number.</summary>
    NotSent,
    /// <summary>The source packet has left its cache.</summary>
    NotCached,
    /// <summary>Resent less than a round trip ago: that copy may still be on its way.</summary>
    RecentlyResent,
    /// <summary>The destination buffer cannot hold the packet.</summary>
    BufferTooSmall,
}

/// <summary>Finds the <see cref="PacketCache"/> of a source SSRC (a simulcast layer or a publisher track).</summary>
internal interface IPacketCacheSource
{
    PacketCache? Find(uint ssrc);
}

/// <summary>
/// Answers a subscriber's NACKs (RFC 4585 §6.2.1) for one down-track: each NACKed outgoing sequence number is
/// mapped back through the <see cref="DownTrackRewriter"/>'s history to the source packet, fetched from that
/// source's cache, and written into the caller's buffer as an RTX packet (RFC 4588 §4) — or, with no RTX
/// negotiated, as the rewritten original. The same sequence number is not resent within a round trip.
/// <code>
///  RTX packet (RFC 4588 §4):
///  [ original RTP header: PT := RTX PT, SEQ := own RTX sequence, TS := outgoing TS, SSRC := RTX SSRC ]
///  [ OSN (16 bits): the outgoing sequence number being repaired ]
///  [ original payload (and padding) ]
/// </code>
/// </summary>
internal sealed class NackResponder
{
    private const int TrackSize = 1024;

    private readonly DownTrackRewriter _rewriter;
    private readonly IPacketCacheSource _caches;
    private readonly TimeProvider _time;
    private readonly uint _rtxSsrc;
    private readonly byte _rtxPayloadType;
    private readonly bool _useRtx;
    private readonly ushort[] _resentSequences = new ushort[TrackSize];
    private readonly long[] _resentAt = new long[TrackSize];
    private readonly bool[] _resentValid = new bool[TrackSize];
    private ushort _rtxSequence;
    private long _minGapTicks;

    /// <param name="rtxPayloadType">The negotiated RTX payload type (apt = the media type); null for plain retransmission.</param>
    public NackResponder(DownTrackRewriter rewriter, IPacketCacheSource caches, TimeProvider time, uint rtxSsrc, byte? rtxPayloadType,
        ushort initialRtxSequence = 0)
    {
        ArgumentNullException.ThrowIfNull(rewriter);
        ArgumentNullException.ThrowIfNull(caches);
        ArgumentNullException.ThrowIfNull(time);
        if (rtxPayloadType > 127)
            throw new ArgumentOutOfRangeException(nameof(rtxPayloadType), rtxPayloadType, "An RTP payload type is 7 bits.");
        _rewriter = rewriter;
        _caches = caches;
        _time = time;
        _rtxSsrc = rtxSsrc;
        _useRtx = rtxPayloadType.HasValue;
        _rtxPayloadType = rtxPayloadType ?? 0;
        _rtxSequence = initialRtxSequence;
        RoundTripTime = TimeSpan.FromMilliseconds(100);
    }

    /// <summary>The subscriber's round trip time: the shortest gap between two resends of one sequence number.</summary>
    public TimeSpan RoundTripTime
    {
        get => TimeSpan.FromSeconds((double)_minGapTicks / _time.TimestampFrequency);
        set => _minGapTicks = (long)(Math.Clamp(value.TotalSeconds, 0.005, 2.0) * _time.TimestampFrequency);
    }

    public long Retransmitted { get; private set; }
    public long Skipped { get; private set; }

    /// <summary>
    /// Writes the retransmission of outgoing sequence number <paramref name="sequence"/> into <paramref name="destination"/>.
    /// </summary>
    public bool TryRetransmit(ushort sequence, Span<byte> destination, out int written, out RetransmitSkip skip)
    {
        written = 0;
        skip = Check(sequence, out var sent, out var source, out int headerLength);
        if (skip == RetransmitSkip.None)
        {
            int length = source.Length + (_useRtx ? 2 : 0);
            if (destination.Length < length)
                skip = RetransmitSkip.BufferTooSmall;
            else
            {
                source[..headerLength].CopyTo(destination);
                var header = destination[..headerLength];
                BinaryPrimitives.WriteUInt32BigEndian(header[4..], sent.Timestamp);
                if (_useRtx)
                {
                    header[1] = (byte)((header[1] & 0x80) | _rtxPayloadType);
                    BinaryPrimitives.WriteUInt16BigEndian(header[2..], _rtxSequence++);
                    BinaryPrimitives.WriteUInt32BigEndian(header[8..], _rtxSsrc);
                    BinaryPrimitives.WriteUInt16BigEndian(destination[headerLength..], sequence);
                    source[headerLength..].CopyTo(destination[(headerLength + 2)..]);
                }
                else
                {
                    BinaryPrimitives.WriteUInt16BigEndian(header[2..], sequence);
                    BinaryPrimitives.WriteUInt32BigEndian(header[8..], _rewriter.Ssrc);
                    source[headerLength..].CopyTo(destination[headerLength..]);
                }
                written = length;
                if (sent.HasVp8)
                {
                    // Repeat the picture id / TL0PICIDX the subscriber saw the first time (the cache holds the source's).
                    var payload = destination[(headerLength + (_useRtx ? 2 : 0))..length];
                    if (Vp8Descriptor.TryRead(payload, out var vp8, out _))
                        vp8.TryRewrite(payload, sent.PictureId, sent.Tl0PicIdx);
                }
                MarkResent(sequence);
                Retransmitted++;
                return true;
            }
        }
        Skipped++;
        return false;
    }

    /// <summary>
    /// Answers a NACK's whole list: packets are written back to back into <paramref name="buffer"/>, their lengths into
    /// <paramref name="lengths"/>. Returns how many were written; stops early when either is full.
    /// </summary>
    public int Respond(ReadOnlySpan<ushort> sequences, Span<byte> buffer, Span<int> lengths)
    {
        int count = 0, used = 0;
        foreach (ushort sequence in sequences)
        {
            if (count == lengths.Length)
                break;
            if (TryRetransmit(sequence, buffer[used..], out int written, out var skip))
            {
                lengths[count++] = written;
                used += written;
            }
            else if (skip == RetransmitSkip.BufferTooSmall)
                break;
        }
        return count;
    }

    private RetransmitSkip Check(ushort sequence, out SentPacket sent, out ReadOnlySpan<byte> source, out int headerLength)
    {
        source = default;
        headerLength = 0;
        if (!_rewriter.TryGetSent(sequence, out sent))
            return RetransmitSkip.NotSent;
        int slot = sequence & (TrackSize - 1);
        if (_resentValid[slot] && _resentSequences[slot] == sequence && _time.GetTimestamp() - _resentAt[slot] < _minGapTicks)
            return RetransmitSkip.RecentlyResent;
        var cache = _caches.Find(sent.SourceSsrc);
        if (cache is null || !cache.TryGet(sent.SourceSequence, out source, out headerLength))
            return RetransmitSkip.NotCached;
        return RetransmitSkip.None;
    }

    private void MarkResent(ushort sequence)
    {
        int slot = sequence & (TrackSize - 1);
        _resentSequences[slot] = sequence;
        _resentAt[slot] = _time.GetTimestamp();
        _resentValid[slot] = true;
    }
}
