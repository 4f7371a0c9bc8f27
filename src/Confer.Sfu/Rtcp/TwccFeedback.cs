using System.Buffers.Binary;

namespace Confer.Sfu.Rtcp;

/// <summary>One reported packet: its transport-wide sequence number, whether it arrived, and its receive delta (µs) from the previous received packet (or from the reference time for the first).</summary>
internal readonly record struct TwccPacketStatus(ushort Sequence, bool Received, long DeltaMicros);

/// <summary>
/// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1,
/// RTPFB FMT 15). Validated fully by <see cref="TryRead"/>; expanded into a caller's span by <see cref="TryGetStatuses"/>.
/// <code>
/// |V=2|P|  FMT=15 |    PT=205     |           length              |
/// |                     SSRC of packet sender                     |
/// |                      SSRC of media source                     |
/// |      base sequence number     |      packet status count      |
/// |                 reference time                | fb pkt. count |   (24-bit signed, 64 ms units)
/// |          packet chunk         |         packet chunk          |
/// .                                                               .
/// |         packet chunk          |  recv delta   |  recv delta   |
/// .                                                               .
/// |           recv delta          |  recv delta   | zero padding  |
///
/// run length chunk:     |0| S |       run length (13)       |
/// status vector chunk:  |1|0|    14 one-bit symbols         |   0 = not received, 1 = small delta
///                       |1|1|     7 two-bit symbols         |   00 not received, 01 small delta (1 byte, unsigned),
///                                                               10 large or negative delta (2 bytes, signed), 11 reserved
/// </code>
/// Deltas are in 250 µs units.
/// </summary>
internal readonly ref struct TwccFeedback
{
    public const int FixedLength = RtcpFeedback.FixedLength + 8;
    public const long ReferenceTimeUnitMicros = 64_000;
    public const long DeltaUnitMicros = 250;

    internal const int SymbolNotReceived = 0, SymbolSmallDelta = 1, SymbolLargeDelta = 2, SymbolReserved = 3;

    private readonly ReadOnlySpan<byte> _chunks;
    private readonly ReadOnlySpan<byte> _deltas;

    private TwccFeedback(uint sender, uint media, ushort baseSequence, ushort statusCount, int referenceTime, byte feedbackCount,
        ReadOnlySpan<byte> chunks, ReadOnlySpan<byte> deltas)
    {
        SenderSsrc = sender;
        MediaSsrc = media;
        BaseSequence = baseSequence;
        StatusCount = statusCount;
        ReferenceTime = referenceTime;
        FeedbackPacketCount = feedbackCount;
        _chunks = chunks;
        _deltas = deltas;
    }

    public uint SenderSsrc { get; }
    public uint MediaSsrc { get; }
    public ushort BaseSequence { get; }
    public ushort StatusCount { get; }
    /// <summary>Signed 24-bit reference time in 64 ms units.</summary>
    public int ReferenceTime { get; }
    public long ReferenceTimeMicros => ReferenceTime * ReferenceTimeUnitMicros;
    public byte FeedbackPacketCount { get; }

    /// <summary>Reads and validates the whole message: chunks cover the status count, no reserved symbol, every delta present.</summary>
    public static bool TryRead(in RtcpPacket packet, out TwccFeedback feedback, out RtcpError error)
    {
        feedback = default;
        if (!RtcpFeedback.TryRead(packet, RtcpPacketType.TransportFeedback, RtcpFeedbackFormat.TransportWideCc, out var header, out error)) return false;
        var fci = header.Fci;
        if (fci.Length < 8) { error = RtcpError.BodyTooShort; return false; }
        ushort baseSequence = BinaryPrimitives.ReadUInt16BigEndian(fci);
        ushort count = BinaryPrimitives.ReadUInt16BigEndian(fci[2..]);
        int reference = fci[4] << 16 | fci[5] << 8 | fci[6];
        if ((reference & 0x800000) != 0) reference -= 0x1000000;

        var rest = fci[8..];
        int symbols = 0, offset = 0, deltaBytes = 0;
        while (symbols < count)
        {
            if (offset + 2 > rest.Length) { error = RtcpError.ChunksTruncated; return false; }
            ushort chunk = BinaryPrimitives.ReadUInt16BigEndian(rest[offset..]);
            offset += 2;
            int take = Math.Min(count - symbols, ChunkCapacity(chunk));
            for (int i = 0; i < take; i++)
            {
                int symbol = Symbol(chunk, i);
                if (symbol == SymbolReserved) { error = RtcpError.ReservedSymbol; return false; }
                deltaBytes += symbol; // 0, 1 or 2 bytes
            }
            symbols += take;
        }
        if (offset + deltaBytes > rest.Length) { error = RtcpError.DeltasTruncated; return false; }
        feedback = new TwccFeedback(header.SenderSsrc, header.MediaSsrc, baseSequence, count, reference, fci[7],
            rest[..offset], rest.Slice(offset, deltaBytes));
        error = RtcpError.None;
        return true;
    }

    /// <summary>Fills <paramref name="statuses"/> with one entry per reported packet; false if it holds fewer than <see cref="StatusCount"/>.</summary>
    public bool TryGetStatuses(Span<TwccPacketStatus> statuses, out int count, out RtcpError error)
    {
        count = 0;
        if (statuses.Length < StatusCount) { error = RtcpError.DestinationTooSmall; return false; }
        int deltaOffset = 0;
        for (int offset = 0; offset + 2 <= _chunks.Length && count < StatusCount; offset += 2)
        {
            ushort chunk = BinaryPrimitives.ReadUInt16BigEndian(_chunks[offset..]);
            int take = Math.Min(StatusCount - count, ChunkCapacity(chunk));
            for (int i = 0; i < take; i++)
            {
                int symbol = Symbol(chunk, i);
                long delta = 0;
                if (symbol == SymbolSmallDelta) delta = _deltas[deltaOffset++];
                else if (symbol == SymbolLargeDelta) { delta = BinaryPrimitives.ReadInt16BigEndian(_deltas[deltaOffset..]); deltaOffset += 2; }
                statuses[count] = new TwccPacketStatus((ushort)(BaseSequence + count), symbol != SymbolNotReceived, delta * DeltaUnitMicros);
                count++;
            }
        }
        error = RtcpError.None;
        return true;
    }

    /// <summary>How many symbols a chunk describes: the run length, 14 or 7.</summary>
    internal static int ChunkCapacity(ushort chunk) =>
        (chunk & 0x8000) == 0 ? chunk & 0x1FFF : (chunk & 0x4000) == 0 ? 14 : 7;

    /// <summary>The <paramref name="index"/>-th symbol of a chunk (most significant first).</summary>
    internal static int Symbol(ushort chunk, int index)
    {
        if ((chunk & 0x8000) == 0) return (chunk >> 13) & 3;
        if ((chunk & 0x4000) == 0) return (chunk >> (13 - index)) & 1;
        return (chunk >> (12 - 2 * index)) & 3;
    }
}
