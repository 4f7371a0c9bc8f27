using System.Buffers.Binary;

namespace Confer.Sfu.Rtcp;

/// <summary>One packet to report in transport-wide feedback: its transport-wide sequence number, whether it arrived, and when (µs, any fixed epoch).</summary>
internal readonly record struct TwccArrival(ushort Sequence, bool Received, long ArrivalMicros);

/// <summary>
/// Writes transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1;
/// the layout is drawn on <see cref="TwccFeedback"/>). Sequence numbers missing between two arrivals are
/// reported as not received. Chunks are chosen greedily: a run-length chunk for a run of 14 or more equal
/// symbols (or 7 or more when the next 14 do not fit one-bit symbols, or for the final run), else a
/// one-bit vector when the next 14 symbols have no large delta, else a two-bit vector of 7.
/// </summary>
internal static class TwccFeedbackWriter
{
    /// <summary>Most symbols in one message (keeps the symbol scratch on the stack; a 1200-byte message holds fewer).</summary>
    public const int MaxSymbolsPerPacket = 4096;
    /// <summary>The smallest useful size limit: fixed fields, one chunk, one delta, padding.</summary>
    public const int MinLength = TwccFeedback.FixedLength + 4;

    /// <summary>
    /// Writes one feedback message with as many leading <paramref name="arrivals"/> as fit in
    /// <paramref name="maxLength"/> (and the destination), whose deltas fit 16 bits, and whose sequence span
    /// fits <see cref="MaxSymbolsPerPacket"/>. <paramref name="consumed"/> says how many were reported: call
    /// again with the rest and the next feedback packet count to split a long list (the next message starts
    /// at the next listed arrival: list a lost packet explicitly to report it across a split).
    /// Arrivals must be in increasing transport-wide sequence order (wrap-aware), without duplicates.
    /// </summary>
    public static bool TryWrite(Span<byte> destination, int maxLength, uint senderSsrc, uint mediaSsrc, byte feedbackPacketCount,
        ReadOnlySpan<TwccArrival> arrivals, out int written, out int consumed, out RtcpError error)
    {
        written = consumed = 0;
        if (arrivals.IsEmpty) { error = RtcpError.NothingToWrite; return false; }
        int limit = Math.Min(maxLength, destination.Length) & ~3;
        if (limit < MinLength) { error = RtcpError.DestinationTooSmall; return false; }
        for (int i = 1; i < arrivals.Length; i++)
        {
            int step = (ushort)(arrivals[i].Sequence - arrivals[i - 1].Sequence);
            if (step is 0 or >= 0x8000) { error = RtcpError.InvalidArgument; return false; }
        }

        // Pass 1: how many arrivals fit. Chunk bytes are bounded by 2 per 7 symbols (see the class remarks).
        ushort baseSequence = arrivals[0].Sequence;
        long referenceUnits = 0, previousTicks = 0;
        bool haveReference = false;
        int count = 0, deltaBytes = 0, symbolCount = 0;
        for (; count < arrivals.Length; count++)
        {
            var arrival = arrivals[count];
            int index = (ushort)(arrival.Sequence - baseSequence);
            if (index + 1 > MaxSymbolsPerPacket) break; // steps are below 0x8000, so the index cannot wrap before this
            int cost = 0;
            long ticks = 0;
            if (arrival.Received)
            {
                ticks = FloorDiv(arrival.ArrivalMicros, TwccFeedback.DeltaUnitMicros);
                long from = haveReference ? previousTicks : FloorDiv(arrival.ArrivalMicros, TwccFeedback.ReferenceTimeUnitMicros) * 256;
                cost = DeltaSize(ticks - from);
                if (cost < 0) break;
            }
            int size = (TwccFeedback.FixedLength + 2 * ((index + 1 + 6) / 7) + deltaBytes + cost + 3) & ~3;
            if (size > limit) break;
            if (arrival.Received)
            {
                if (!haveReference) { referenceUnits = FloorDiv(arrival.ArrivalMicros, TwccFeedback.ReferenceTimeUnitMicros); haveReference = true; }
                previousTicks = ticks;
            }
            deltaBytes += cost;
            symbolCount = index + 1;
        }
        if (count == 0) { error = RtcpError.DestinationTooSmall; return false; }

        // Pass 2: the symbols (gaps stay 0 = not received).
        Span<byte> symbols = stackalloc byte[symbolCount];
        symbols.Clear();
        long referenceTicks = referenceUnits * 256;
        previousTicks = referenceTicks;
        for (int i = 0; i < count; i++)
        {
            if (!arrivals[i].Received) continue;
            long ticks = FloorDiv(arrivals[i].ArrivalMicros, TwccFeedback.DeltaUnitMicros);
            symbols[(ushort)(arrivals[i].Sequence - baseSequence)] = (byte)DeltaSize(ticks - previousTicks);
            previousTicks = ticks;
        }

        // Pass 3: chunks, then deltas, then padding.
        int offset = TwccFeedback.FixedLength;
        for (int position = 0; position < symbolCount;)
        {
            ushort chunk = NextChunk(symbols[position..], out int covered);
            BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], chunk);
            offset += 2;
            position += covered;
        }
        previousTicks = referenceTicks;
        for (int i = 0; i < count; i++)
        {
            if (!arrivals[i].Received) continue;
            long ticks = FloorDiv(arrivals[i].ArrivalMicros, TwccFeedback.DeltaUnitMicros);
            long delta = ticks - previousTicks;
            previousTicks = ticks;
            if (DeltaSize(delta) == 1) destination[offset++] = (byte)delta;
            else { BinaryPrimitives.WriteInt16BigEndian(destination[offset..], (short)delta); offset += 2; }
        }
        int length = (offset + 3) & ~3;
        RtcpFeedback.WriteHeader(destination, RtcpPacketType.TransportFeedback, RtcpFeedbackFormat.TransportWideCc, length, senderSsrc, mediaSsrc);
        if (length > offset)
        {
            destination[offset..length].Clear();
            destination[length - 1] = (byte)(length - offset);
            destination[0] |= 0x20; // P: the count in the last byte, as libwebrtc sends it
        }
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], baseSequence);
        BinaryPrimitives.WriteUInt16BigEndian(destination[14..], (ushort)symbolCount);
        destination[16] = (byte)(referenceUnits >> 16);
        destination[17] = (byte)(referenceUnits >> 8);
        destination[18] = (byte)referenceUnits;
        destination[19] = feedbackPacketCount;
        written = length;
        consumed = count;
        error = RtcpError.None;
        return true;
    }

    /// <summary>1 for a small delta (0–255 units), 2 for a large or negative one (signed 16 bits), −1 if it cannot be sent.</summary>
    private static int DeltaSize(long delta) => delta is >= 0 and <= 255 ? 1 : delta is >= short.MinValue and <= short.MaxValue ? 2 : -1;

    private static long FloorDiv(long value, long divisor)
    {
        long quotient = Math.DivRem(value, divisor, out long remainder);
        return remainder < 0 ? quotient - 1 : quotient;
    }

    /// <summary>The chunk for the symbols at the start of <paramref name="symbols"/> and how many it covers.</summary>
    private static ushort NextChunk(ReadOnlySpan<byte> symbols, out int covered)
    {
        int run = 1;
        while (run < symbols.Length && run < 0x1FFF && symbols[run] == symbols[0]) run++;
        int window = Math.Min(14, symbols.Length);
        bool oneBit = !symbols[..window].ContainsAnyExcept((byte)0, (byte)1);
        if (run >= 14 || run == symbols.Length || (run >= 7 && !oneBit))
        {
            covered = run;
            return (ushort)(symbols[0] << 13 | run);
        }
        int chunk = 0x8000;
        if (oneBit)
        {
            covered = window;
            for (int i = 0; i < window; i++) chunk |= symbols[i] << (13 - i);
            return (ushort)chunk;
        }
        covered = Math.Min(7, symbols.Length);
        chunk |= 0x4000;
        for (int i = 0; i < covered; i++) chunk |= symbols[i] << (12 - 2 * i);
        return (ushort)chunk;
    }
}
