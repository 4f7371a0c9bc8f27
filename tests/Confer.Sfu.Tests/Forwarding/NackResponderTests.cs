using Confer.Sfu.Forwarding;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Sfu.Tests.Forwarding;

public sealed class NackResponderTests : IDisposable
{
    private const uint Layer = 0x07070707;
    private readonly FakeTimeProvider _time = new();
    private readonly PacketCache _cache = new(64, 200);
    private readonly DownTrackRewriter _rewriter;
    private readonly Caches _caches;

    private sealed class Caches(uint ssrc, PacketCache cache) : IPacketCacheSource
    {
        public PacketCache? Find(uint s) => s == ssrc ? cache : null;
    }

    public NackResponderTests()
    {
        _caches = new Caches(Layer, _cache);
        _rewriter = new DownTrackRewriter(0xD0D0D0D0, 90000, _time, initialSequence: 1000, initialTimestamp: 0x10000000);
        // source 300..309 -> outgoing 1000..1009; each packet's payload is 4 bytes of its index
        for (int i = 0; i < 10; i++)
        {
            var packet = RtpTestPackets.Build((ushort)(300 + i), (uint)(9000 + i * 3000), Layer, marker: i == 3, payloadLength: 4, fill: (byte)i);
            _cache.Insert((ushort)(300 + i), packet, 12);
            Assert.True(_rewriter.TryRewrite(packet, Layer, (ushort)(300 + i), (uint)(9000 + i * 3000), out _));
        }
    }

    public void Dispose() => _cache.Dispose();

    [Fact]
    public void TryRetransmit_Rtx_Rfc4588Layout()
    {
        var nack = new NackResponder(_rewriter, _caches, _time, rtxSsrc: 0xEEEEEEEE, rtxPayloadType: 97, initialRtxSequence: 500);
        var buffer = new byte[100];
        Assert.True(nack.TryRetransmit(1003, buffer, out int written, out var skip));
        Assert.Equal(RetransmitSkip.None, skip);
        byte[] expected =
        [
            0x80, 0x80 | 97,          // V=2, M=1 kept, PT := RTX
            0x01, 0xF4,               // RTX sequence 500
            0x10, 0x00, 0x23, 0x28,   // outgoing timestamp 0x10000000 + 3 * 3000
            0xEE, 0xEE, 0xEE, 0xEE,   // RTX SSRC
            0x03, 0xEB,               // OSN 1003
            0x03, 0x03, 0x03, 0x03,   // original payload
        ];
        Assert.Equal(expected, buffer[..written]);
        Assert.True(nack.TryRetransmit(1004, buffer, out written, out _));
        Assert.Equal(new byte[] { 0x01, 0xF5 }, buffer[2..4]); // the RTX stream has its own sequence
        Assert.Equal(0x00, buffer[1] & 0x80);
    }

    [Fact]
    public void TryRetransmit_NoRtx_RewrittenOriginal()
    {
        var nack = new NackResponder(_rewriter, _caches, _time, rtxSsrc: 0, rtxPayloadType: null);
        var buffer = new byte[100];
        Assert.True(nack.TryRetransmit(1001, buffer, out int written, out _));
        byte[] expected = [0x80, 96, 0x03, 0xE9, 0x10, 0x00, 0x0B, 0xB8, 0xD0, 0xD0, 0xD0, 0xD0, 1, 1, 1, 1];
        Assert.Equal(expected, buffer[..written]);
    }

    [Fact]
    public void TryRetransmit_SameSequenceWithinRtt_Skipped_AfterRtt_Resent()
    {
        var nack = new NackResponder(_rewriter, _caches, _time, 1, 97) { RoundTripTime = TimeSpan.FromMilliseconds(50) };
        var buffer = new byte[100];
        Assert.True(nack.TryRetransmit(1005, buffer, out _, out _));
        _time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.False(nack.TryRetransmit(1005, buffer, out _, out var skip));
        Assert.Equal(RetransmitSkip.RecentlyResent, skip);
        Assert.True(nack.TryRetransmit(1006, buffer, out _, out _)); // other sequence numbers are not held back
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(nack.TryRetransmit(1005, buffer, out _, out _));
    }

    [Fact]
    public void TryRetransmit_Unknown_Evicted_Small_Reasons()
    {
        var nack = new NackResponder(_rewriter, _caches, _time, 1, 97);
        Assert.False(nack.TryRetransmit(1010, new byte[100], out _, out var skip));
        Assert.Equal(RetransmitSkip.NotSent, skip);
        Assert.False(nack.TryRetransmit(1002, new byte[17], out _, out skip));
        Assert.Equal(RetransmitSkip.BufferTooSmall, skip);
        for (int i = 10; i < 80; i++) // push 300..315 out of the 64-packet cache
            _cache.Insert((ushort)(300 + i), RtpTestPackets.Build((ushort)(300 + i), 0, Layer), 12);
        Assert.False(nack.TryRetransmit(1002, new byte[100], out _, out skip));
        Assert.Equal(RetransmitSkip.NotCached, skip);
        Assert.Equal(3, nack.Skipped);
    }

    [Fact]
    public void Respond_List_PacketsBackToBackUntilBufferFull()
    {
        var nack = new NackResponder(_rewriter, _caches, _time, 1, 97);
        var buffer = new byte[18 * 3 + 5];
        var lengths = new int[8];
        int count = nack.Respond([1000, 2000, 1001, 1002, 1003, 1004], buffer, lengths);
        Assert.Equal(3, count);
        Assert.Equal(new[] { 18, 18, 18 }, lengths[..3]);
        Assert.Equal(new byte[] { 0x03, 0xE8 }, buffer[12..14]);
        Assert.Equal(new byte[] { 0x03, 0xE9 }, buffer[30..32]);
        Assert.Equal(new byte[] { 0x03, 0xEA }, buffer[48..50]);
    }
}
