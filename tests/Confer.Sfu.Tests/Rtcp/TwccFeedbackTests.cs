using Confer.Sfu.Rtcp;

namespace Confer.Sfu.Tests.Rtcp;

/// <summary>
/// Transport-wide CC feedback. The "published" vectors are the byte arrays in pion/rtcp's
/// transport_layer_cc_test.go (sender SSRC 0xFA17FA17 is libwebrtc's default RTCP SSRC, so they came from Chrome).
/// </summary>
public sealed class TwccFeedbackTests
{
    private const string PublishedRunLength = "AFCD0007FA17FA17193DD8BB000400071063 6E01 2007 4C24 2410 0C0C 1000 0003";
    private const string PublishedOneBitVector = "AFCD0006FA17FA17193DD8BB0001000E10636D00BA00100C0C100002";
    private const string PublishedMixed = "AFCD00079B74F61F9371DCBC853C000963F916B3D55200309BAA6AAA7B010901";
    private const string PublishedLargeDeltas = "AFCD0007FA17FA17193DD8BB0174000645B15A40400220041FFE1F9AD000D000";

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    internal static TwccPacketStatus[] ReadAll(byte[] bytes, out TwccFeedbackSnapshot header)
    {
        var packet = RtcpFeedbackTests.Parse(bytes);
        Assert.True(TwccFeedback.TryRead(packet, out var feedback, out var error), error.ToString());
        header = new TwccFeedbackSnapshot(feedback.SenderSsrc, feedback.MediaSsrc, feedback.BaseSequence, feedback.StatusCount, feedback.ReferenceTime, feedback.FeedbackPacketCount);
        var statuses = new TwccPacketStatus[feedback.StatusCount];
        Assert.True(feedback.TryGetStatuses(statuses, out int count, out _));
        Assert.Equal(statuses.Length, count);
        return statuses;
    }

    internal readonly record struct TwccFeedbackSnapshot(uint Sender, uint Media, ushort Base, ushort Count, int Reference, byte FeedbackCount);

    [Fact]
    public void TryRead_PublishedSingleRunLength_ReadsHeaderAndDelta()
    {
        // AFCD0005 FA17FA17 43032FA0 0099 0001 3DE802 17 2001 94 01: pion's example 1, P=1 with one padding byte.
        var statuses = ReadAll(Hex("AFCD0005FA17FA1743032FA000990001" + "3DE80217" + "20019401"), out var header);
        Assert.Equal(new TwccFeedbackSnapshot(0xFA17FA17, 0x43032FA0, 153, 1, 4057090, 23), header);
        Assert.Equal([new TwccPacketStatus(153, true, 37000)], statuses);
    }

    [Fact]
    public void TryRead_PublishedTwoBitVectorThenRun_ReadsMixedChunksAndLargeDelta()
    {
        var statuses = ReadAll(Hex(PublishedMixed), out var header);
        Assert.Equal(new TwccFeedbackSnapshot(0x9B74F61F, 0x9371DCBC, 34108, 9, 6551830, 179), header);
        long[] deltas = [38750, 42500, 26500, 42500, 30750];
        for (int i = 0; i < 5; i++) Assert.Equal(new TwccPacketStatus((ushort)(34108 + i), true, deltas[i]), statuses[i]);
        Assert.Equal(new TwccPacketStatus(34113, false, 0), statuses[5]);
        Assert.Equal(new TwccPacketStatus(34114, true, 66250), statuses[6]);
        Assert.Equal(new TwccPacketStatus(34115, false, 0), statuses[7]);
        Assert.Equal(new TwccPacketStatus(34116, false, 0), statuses[8]);
    }

    [Fact]
    public void TryRead_PaddingBitWithZeroCount_IsRejectedLikeLibwebrtc_AndParsesWithoutIt()
    {
        var bytes = Hex(PublishedLargeDeltas);
        Assert.False(RtcpPacket.TryRead(bytes, out _, out _, out var error));
        Assert.Equal(RtcpError.BadPadding, error);
        bytes[0] = 0x8F;
        var statuses = ReadAll(bytes, out var header);
        Assert.Equal(4567386, header.Reference);
        Assert.Equal([2047500L, 2022500, 52000, 0, 52000, 0], statuses.Select(s => s.DeltaMicros));
        Assert.All(statuses, s => Assert.True(s.Received));
    }

    [Fact]
    public void TryWrite_PublishedRunLengthExample_ReproducesBytes()
    {
        long reference = 1074030 * 64_000L;
        long[] offsets = [19000, 28000, 37000, 41000, 44000, 47000, 51000];
        var arrivals = offsets.Select((o, i) => new TwccArrival((ushort)(4 + i), true, reference + o)).ToArray();
        var buffer = Enumerable.Repeat((byte)0xFF, 64).ToArray();
        Assert.True(TwccFeedbackWriter.TryWrite(buffer, 1200, 0xFA17FA17, 0x193DD8BB, 1, arrivals, out int written, out int consumed, out _));
        Assert.Equal(7, consumed);
        Assert.Equal(Hex(PublishedRunLength), buffer[..written]);
        Assert.All(buffer[written..], b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void TryWrite_PublishedOneBitVectorExample_ReproducesBytes()
    {
        long reference = 1074029 * 64_000L;
        var arrivals = new List<TwccArrival>
        {
            new(1, true, reference + 4000), new(2, true, reference + 7000), new(3, true, reference + 10000),
            new(4, false, 0), new(5, true, reference + 14000),
        };
        for (ushort s = 6; s <= 14; s++) arrivals.Add(new TwccArrival(s, false, 0));
        var buffer = new byte[64];
        Assert.True(TwccFeedbackWriter.TryWrite(buffer, 1200, 0xFA17FA17, 0x193DD8BB, 0, arrivals.ToArray(), out int written, out _, out _));
        Assert.Equal(Hex(PublishedOneBitVector), buffer[..written]);
    }

    [Fact]
    public void TryWrite_NegativeAndLargeDeltas_UseTwoByteSymbolsAndRoundTrip()
    {
        TwccArrival[] arrivals =
        [
            new(10, true, 1_000_000), new(11, true, 990_000),    // arrived 10 ms "earlier": negative delta
            new(12, true, 1_500_000), new(13, false, 0), new(14, true, 1_500_250),
        ];
        var buffer = new byte[64];
        Assert.True(TwccFeedbackWriter.TryWrite(buffer, 1200, 1, 2, 9, arrivals, out int written, out int consumed, out _));
        Assert.Equal(5, consumed);
        var statuses = ReadAll(buffer[..written], out var header);
        Assert.Equal(15, header.Reference);                       // floor(1 s / 64 ms)
        long reference = header.Reference * 64_000L;
        Assert.Equal(1_000_000 - reference, statuses[0].DeltaMicros);
        Assert.Equal(-10_000, statuses[1].DeltaMicros);
        Assert.Equal(510_000, statuses[2].DeltaMicros);
        Assert.False(statuses[3].Received);
        Assert.Equal(250, statuses[4].DeltaMicros);
        Assert.Equal(0xC0, buffer[20] & 0xC0);                    // a two-bit status vector chunk
    }

    [Fact]
    public void TryWrite_DeltaBeyondSixteenBits_EndsThePacketThere()
    {
        TwccArrival[] arrivals = [new(1, true, 0), new(2, true, 10_000_000), new(3, true, 10_000_250)];
        var buffer = new byte[64];
        Assert.True(TwccFeedbackWriter.TryWrite(buffer, 1200, 1, 2, 0, arrivals, out int written, out int consumed, out _));
        Assert.Equal(1, consumed);
        Assert.True(TwccFeedbackWriter.TryWrite(buffer, 1200, 1, 2, 1, arrivals[1..], out written, out consumed, out _));
        Assert.Equal(2, consumed);
        var statuses = ReadAll(buffer[..written], out var header);
        Assert.Equal(10_000_000 / 64_000, header.Reference);
        Assert.Equal(2, header.Base);
        Assert.Equal(1, header.FeedbackCount);
        Assert.Equal(250, statuses[1].DeltaMicros);
    }

    [Fact]
    public void TryWrite_MaxLength_SplitsIntoPacketsThatCoverEverything()
    {
        var arrivals = Enumerable.Range(0, 500)
            .Select(i => new TwccArrival((ushort)(65000 + i * 2), i % 5 != 0, 5_000_000 + i * 3_000L)).ToArray();
        var buffer = new byte[1500];
        var seen = new Dictionary<ushort, bool>();
        int offset = 0;
        byte count = 0;
        while (offset < arrivals.Length)
        {
            Assert.True(TwccFeedbackWriter.TryWrite(buffer, 120, 1, 2, count, arrivals.AsSpan(offset), out int written, out int consumed, out var error), error.ToString());
            Assert.InRange(written, TwccFeedbackWriter.MinLength, 120);
            Assert.Equal(0, written % 4);
            var statuses = ReadAll(buffer[..written], out var header);
            Assert.Equal(count, header.FeedbackCount);
            foreach (var s in statuses) seen[s.Sequence] = s.Received;
            offset += consumed;
            count++;
        }
        Assert.True(count > 5);
        foreach (var a in arrivals) Assert.Equal(a.Received, seen[a.Sequence]);
        // Gaps inside a message are reported lost; a gap at a split is in neither message (list it to report it).
        Assert.All(Enumerable.Range(0, 499).Select(i => (ushort)(65001 + i * 2)), s => Assert.False(seen.TryGetValue(s, out bool r) && r));
    }

    [Fact]
    public void TryWrite_LongLossRun_UsesRunLengthChunk()
    {
        TwccArrival[] arrivals = [new(0, true, 64_000), new(100, true, 64_250)];
        var buffer = new byte[64];
        Assert.True(TwccFeedbackWriter.TryWrite(buffer, 1200, 1, 2, 0, arrivals, out int written, out _, out _));
        // 1-bit vector [1, 0 × 13], run of 86 not received, then a final run of one small delta.
        Assert.Equal("A000" + "0056" + "2001", Convert.ToHexString(buffer, 20, 6));
        var statuses = ReadAll(buffer[..written], out _);
        Assert.Equal(101, statuses.Length);
        Assert.Equal(2, statuses.Count(s => s.Received));
    }

    [Fact]
    public void TryWrite_EverythingLost_ZeroReferenceNoDeltasOneRun()
    {
        TwccArrival[] arrivals = [new(7, false, 123), new(8, false, 456), new(9, false, 789)];
        var buffer = Enumerable.Repeat((byte)0xFF, 32).ToArray();
        Assert.True(TwccFeedbackWriter.TryWrite(buffer, 1200, 1, 2, 4, arrivals, out int written, out _, out _));
        Assert.Equal("AFCD0005" + "00000001" + "00000002" + "00070003" + "00000004" + "00030002", Convert.ToHexString(buffer, 0, written));
        Assert.All(ReadAll(buffer[..written], out _), s => Assert.False(s.Received));
    }

    [Fact]
    public void TryWrite_BadArguments_ReturnErrors()
    {
        var buffer = new byte[64];
        Assert.False(TwccFeedbackWriter.TryWrite(buffer, 1200, 1, 2, 0, [], out _, out _, out var error));
        Assert.Equal(RtcpError.NothingToWrite, error);
        Assert.False(TwccFeedbackWriter.TryWrite(buffer, 1200, 1, 2, 0, [new(5, true, 0), new(4, true, 0)], out _, out _, out error));
        Assert.Equal(RtcpError.InvalidArgument, error);
        Assert.False(TwccFeedbackWriter.TryWrite(buffer, 20, 1, 2, 0, [new(5, true, 0)], out _, out _, out error));
        Assert.Equal(RtcpError.DestinationTooSmall, error);
    }

    [Theory]
    [InlineData("8FCD0005" + "00000001" + "00000002" + "00000003" + "00000000" + "60010000", (int)RtcpError.ReservedSymbol)]
    [InlineData("8FCD0004" + "00000001" + "00000002" + "00000003" + "00000000", (int)RtcpError.ChunksTruncated)]
    [InlineData("8FCD0005" + "00000001" + "00000002" + "00000003" + "00000000" + "20030102", (int)RtcpError.DeltasTruncated)]
    [InlineData("8FCD0003" + "00000001" + "00000002" + "00000003", (int)RtcpError.BodyTooShort)]
    [InlineData("8ECD0005" + "00000001" + "00000002" + "00000001" + "00000000" + "20010100", (int)RtcpError.WrongType)]
    public void TryRead_Malformed_ReturnsError(string hex, int expected)
    {
        Assert.False(TwccFeedback.TryRead(RtcpFeedbackTests.Parse(Convert.FromHexString(hex)), out _, out var error));
        Assert.Equal((RtcpError)expected, error);
    }

    [Fact]
    public void TryGetStatuses_SpanTooSmall_ReturnsError()
    {
        Assert.True(TwccFeedback.TryRead(RtcpFeedbackTests.Parse(Hex(PublishedMixed)), out var feedback, out _));
        Assert.False(feedback.TryGetStatuses(new TwccPacketStatus[8], out _, out var error));
        Assert.Equal(RtcpError.DestinationTooSmall, error);
    }

    [Fact]
    public void TryRead_NegativeReferenceTime_IsSignExtended()
    {
        var statuses = ReadAll(Convert.FromHexString("8FCD0005" + "00000001" + "00000002" + "00000001" + "FFFFFF00" + "20010100"), out var header);
        Assert.Equal(-1, header.Reference);
        Assert.Single(statuses);
    }
}
