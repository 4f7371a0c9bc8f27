using Confer.Sfu.Forwarding;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Forwarding;

/// <summary>Random header values, random packet bytes and random NACK lists never throw, and what is reported is consistent.</summary>
public sealed class ForwardingFuzzTests
{
    private static readonly Gen<(uint Ssrc, ushort Seq, uint Ts, int AdvanceMs)[]> Ops =
        Gen.Select(Gen.UInt[1, 3], Gen.UShort, Gen.UInt, Gen.Int[0, 50]).Array[1, 200];

    [Fact]
    public void TryRewrite_RandomHeaders_NeverThrows_SentHistoryMatches() => Ops.Sample(ops =>
    {
        var time = new FakeTimeProvider();
        var r = new DownTrackRewriter(9, 90000, time, historySize: 1024);
        foreach (var (ssrc, seq, ts, advance) in ops)
        {
            time.Advance(TimeSpan.FromMilliseconds(advance));
            r.TrySkip(ssrc, (ushort)(seq + 1));
            if (r.TryRewrite(ssrc, seq, ts, out ushort outSeq, out uint outTs, out _))
            {
                Assert.True(r.TryGetSent(outSeq, out var sent));
                Assert.Equal((ssrc, seq, outTs), (sent.SourceSsrc, sent.SourceSequence, sent.Timestamp));
            }
        }
    }, iter: 2000);

    [Fact]
    public void Retransmit_RandomPacketsAndNacks_NeverThrows() =>
        Gen.Select(Gen.Byte.Array[12, 300].Array[1, 40], Gen.Int[0, 20].Array[40], Gen.UShort.Array[0, 30]).Sample(input =>
        {
            var (packets, headerWords, nacks) = input;
            var time = new FakeTimeProvider();
            using var cache = new PacketCache(16, 256);
            var r = new DownTrackRewriter(9, 90000, time, initialSequence: 0);
            for (int i = 0; i < packets.Length; i++)
            {
                cache.Insert((ushort)i, packets[i], headerWords[i] * 4);
                r.TryRewrite(1, (ushort)i, 0, out ushort outSeq, out _, out _);
                r.RecordVp8(outSeq, (ushort)i, (byte)i);
            }
            var nack = new NackResponder(r, new Single(cache), time, 2, 97);
            var buffer = new byte[4096];
            var lengths = new int[30];
            int count = nack.Respond(nacks, buffer, lengths);
            Assert.InRange(count, 0, nacks.Length);
            foreach (ushort n in nacks)
                if (nack.TryRetransmit(n, buffer, out int written, out _))
                    Assert.InRange(written, 14, 258);
        }, iter: 2000);

    private sealed class Single(PacketCache cache) : IPacketCacheSource
    {
        public PacketCache? Find(uint ssrc) => ssrc == 1 ? cache : null;
    }
}
