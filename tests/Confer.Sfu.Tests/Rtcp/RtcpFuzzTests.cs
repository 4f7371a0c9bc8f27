using Confer.Sfu.Rtcp;
using CsCheck;

namespace Confer.Sfu.Tests.Rtcp;

/// <summary>Random and mutated bytes never make the RTCP codec throw; write→read round trips for NACK and TWCC loss patterns.</summary>
public sealed class RtcpFuzzTests
{
    private const int Iterations = 10_000;

    private static readonly byte[][] Seeds =
    [
        Convert.FromHexString(RtcpReportTests.SenderReportHex + RtcpCompoundTests.SdesHex + RtcpCompoundTests.ByeHex),
        Convert.FromHexString("81CD0005" + "01020304" + "05060708" + "00648001" + "00750000" + "00C80000"),
        Convert.FromHexString("8FCE00050102030400000000" + "52454D42010BD0900A0B0C0D"),
        Convert.FromHexString("84CE0004010203040000000005060708" + "2A000000"),
        Convert.FromHexString("AFCD00079B74F61F9371DCBC853C000963F916B3D55200309BAA6AAA7B010901"),
        Convert.FromHexString("AFCD0007FA17FA17193DD8BB000400071063" + "6E0120074C2424100C0C10000003"),
    ];

    private static void Probe(byte[] bytes)
    {
        var reader = new RtcpCompoundReader(bytes);
        Span<ushort> lost = stackalloc ushort[64];
        var statuses = new TwccPacketStatus[64];
        int packets = 0;
        while (reader.TryReadNext(out var packet, out var error))
        {
            Assert.Equal(RtcpError.None, error);
            Assert.True(packet.Body.Length >= 0 && packet.Bytes.Length % 4 == 0);
            if (RtcpReport.TryRead(packet, out var report, out _))
                for (int i = 0; i < report.BlockCount; i++) report.GetBlock(i).RoundTripTime(12345);
            if (RtcpSdesReader.TryCreate(packet, out var sdes, out _))
                while (sdes.TryReadNextChunk(out _, out var cname, out _)) Assert.True(cname.Length <= 255);
            if (RtcpBye.TryRead(packet, out var bye, out _))
                for (int i = 0; i < bye.SourceCount; i++) bye.GetSsrc(i);
            if (RtcpNack.TryRead(packet, out var nack, out _)) RtcpNack.TryExpand(nack, lost, out _, out _);
            RtcpPli.TryRead(packet, out _, out _);
            if (RtcpFir.TryRead(packet, out var fir, out _))
                for (int i = 0; i < RtcpFir.EntryCount(fir); i++) RtcpFir.GetEntry(fir, i);
            if (RtcpRemb.TryRead(packet, out var remb, out _))
                for (int i = 0; i < remb.SsrcCount; i++) remb.GetSsrc(i);
            if (TwccFeedback.TryRead(packet, out var twcc, out _))
            {
                var destination = twcc.StatusCount <= statuses.Length ? statuses : new TwccPacketStatus[twcc.StatusCount];
                Assert.True(twcc.TryGetStatuses(destination, out int count, out _));
                Assert.Equal(twcc.StatusCount, count);
            }
            packets++;
        }
        Assert.True(packets <= bytes.Length / 4);
    }

    [Fact]
    public void RandomBytes_NeverThrow() => Gen.Byte.Array[0, 160].Sample(Probe, iter: Iterations);

    [Fact]
    public void RandomFeedbackBodies_NeverThrow()
    {
        var gen =
            from type in Gen.Int[200, 206]
            from format in Gen.Int[0, 31]
            from body in Gen.Byte.Array[0, 30]
            select Frame((byte)type, format, body);
        gen.Sample(Probe, iter: Iterations);
    }

    private static byte[] Frame(byte type, int format, byte[] body)
    {
        int words = (body.Length + 3) / 4;
        var bytes = new byte[4 + 4 * words];
        bytes[0] = (byte)(0x80 | format);
        bytes[1] = type;
        bytes[3] = (byte)words;
        body.CopyTo(bytes, 4);
        return bytes;
    }

    [Fact]
    public void MutatedPackets_NeverThrow()
    {
        var gen =
            from seed in Gen.Int[0, Seeds.Length - 1]
            from position in Gen.Int[0, 1 << 16]
            from value in Gen.Byte
            from flips in Gen.Int[1, 3]
            select Mutate(Seeds[seed], position, value, flips);
        gen.Sample(Probe, iter: Iterations);
    }

    private static byte[] Mutate(byte[] seed, int position, byte value, int flips)
    {
        var bytes = (byte[])seed.Clone();
        for (int i = 0; i < flips; i++) bytes[(position + i * 5) % bytes.Length] ^= (byte)(value | 1);
        return bytes;
    }

    [Fact]
    public void NackWriteThenExpand_RandomLossPatterns_RoundTrip()
    {
        var gen = Gen.Select(Gen.UShort, Gen.Int[1, 40].Array[1, 120]);
        gen.Sample((start, steps) =>
        {
            var lost = new ushort[steps.Length];
            ushort seq = start;
            for (int i = 0; i < steps.Length; i++) { lost[i] = seq; seq = (ushort)(seq + steps[i]); }
            var buffer = new byte[12 + 4 * lost.Length];
            Assert.True(RtcpNack.TryWrite(buffer, 1, 2, lost, out int written, out _));
            Assert.True(RtcpPacket.TryRead(buffer.AsSpan(0, written), out var packet, out _, out _));
            Assert.True(RtcpNack.TryRead(packet, out var nack, out _));
            var expanded = new ushort[RtcpNack.CountLost(nack)];
            Assert.True(RtcpNack.TryExpand(nack, expanded, out int count, out _));
            Assert.Equal(lost, expanded[..count]);
        }, iter: 2_000);
    }

    [Fact]
    public void TwccWriteThenRead_RandomLossAndArrivals_RoundTrip()
    {
        var arrival = Gen.Select(Gen.Int[1, 3], Gen.Int[0, 9], Gen.Int[-20_000, 80_000], Gen.Int[0, 99]);
        var gen = Gen.Select(Gen.UShort, arrival.Array[1, 300], Gen.Int[TwccFeedbackWriter.MinLength, 1200], Gen.Long[0, 1L << 38]);
        gen.Sample((start, items, maxLength, startMicros) =>
        {
            var arrivals = new TwccArrival[items.Length];
            ushort seq = start;
            long time = startMicros;
            for (int i = 0; i < items.Length; i++)
            {
                var (step, loss, delta, jump) = items[i];
                time += jump == 0 ? 9_000_000 : delta; // now and then a gap too long for 16-bit deltas
                arrivals[i] = new TwccArrival(seq, loss != 0, time);
                seq = (ushort)(seq + step);
            }

            var buffer = new byte[1200];
            var statuses = new TwccPacketStatus[TwccFeedbackWriter.MaxSymbolsPerPacket];
            int offset = 0;
            byte feedbackCount = 0;
            while (offset < arrivals.Length)
            {
                Assert.True(TwccFeedbackWriter.TryWrite(buffer, maxLength, 1, 2, feedbackCount, arrivals.AsSpan(offset),
                    out int written, out int consumed, out var error), error.ToString());
                Assert.InRange(written, 1, maxLength);
                Assert.True(consumed > 0);
                Assert.True(RtcpPacket.TryRead(buffer.AsSpan(0, written), out var packet, out _, out _));
                Assert.True(TwccFeedback.TryRead(packet, out var feedback, out _));
                Assert.Equal(feedbackCount, feedback.FeedbackPacketCount);
                Assert.True(feedback.TryGetStatuses(statuses, out int count, out _));

                // Arrival times rebuilt from reference + deltas equal the 250 µs floors of the inputs.
                long ticks = feedback.ReferenceTime * 256L;
                int next = offset;
                for (int i = 0; i < count; i++)
                {
                    var status = statuses[i];
                    bool listed = next < offset + consumed && arrivals[next].Sequence == status.Sequence;
                    Assert.Equal(listed && arrivals[next].Received, status.Received);
                    if (status.Received)
                    {
                        ticks += status.DeltaMicros / 250;
                        Assert.Equal((long)Math.Floor(arrivals[next].ArrivalMicros / 250.0), ticks);
                    }
                    if (listed) next++;
                }
                Assert.Equal(offset + consumed, next);
                offset += consumed;
                feedbackCount++;
            }
        }, iter: 1_000);
    }
}
