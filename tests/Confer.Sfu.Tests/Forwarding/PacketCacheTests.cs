using Confer.Sfu.Forwarding;

namespace Confer.Sfu.Tests.Forwarding;

public sealed class PacketCacheTests
{
    [Fact]
    public void TryGet_AfterInsert_ReturnsSameBytesAndHeaderLength()
    {
        using var cache = new PacketCache(16, 200);
        var packet = RtpTestPackets.Build(1000, 90000, 0x11223344, payloadLength: 100);
        Assert.True(cache.Insert(1000, packet, 12));
        Assert.True(cache.TryGet(1000, out var found, out int headerLength));
        Assert.Equal(packet, found.ToArray());
        Assert.Equal(12, headerLength);
        Assert.True(cache.TryGetTimestamp(1000, out uint ts));
        Assert.Equal(90000u, ts);
        Assert.False(cache.TryGet(1001, out _, out _));
        Assert.False(cache.TryGet((ushort)(1000 + 16), out _, out _)); // same slot, other sequence
    }

    [Fact]
    public void Insert_AcrossSequenceWrap_FindsBothSides()
    {
        using var cache = new PacketCache(16, 100);
        for (int i = 0; i < 10; i++)
        {
            ushort seq = (ushort)(65530 + i);
            Assert.True(cache.Insert(seq, RtpTestPackets.Build(seq, 0, 1, fill: (byte)i), 12));
        }
        Assert.Equal(3, cache.HighestSequence);
        for (int i = 0; i < 10; i++)
        {
            Assert.True(cache.TryGet((ushort)(65530 + i), out var p, out _));
            Assert.Equal((byte)i, p[12]);
        }
    }

    [Fact]
    public void Insert_MoreThanCapacity_OldestOverwritten()
    {
        using var cache = new PacketCache(16, 100);
        for (ushort seq = 0; seq < 40; seq++)
            cache.Insert(seq, RtpTestPackets.Build(seq, 0, 1), 12);
        for (ushort seq = 0; seq < 24; seq++)
            Assert.False(cache.Contains(seq));
        for (ushort seq = 24; seq < 40; seq++)
            Assert.True(cache.Contains(seq));
    }

    [Fact]
    public void Insert_ReorderedWithinRing_Kept_OlderThanRing_Refused()
    {
        using var cache = new PacketCache(16, 100);
        cache.Insert(100, RtpTestPackets.Build(100, 0, 1), 12);
        Assert.True(cache.Insert(90, RtpTestPackets.Build(90, 0, 1), 12));
        Assert.True(cache.Contains(90));
        Assert.Equal(100, cache.HighestSequence);
        Assert.False(cache.Insert(84, RtpTestPackets.Build(84, 0, 1), 12));
        Assert.False(cache.Contains(84));
    }

    [Fact]
    public void Insert_JumpAhead_StaleSlotsCleared()
    {
        using var cache = new PacketCache(16, 100);
        for (ushort seq = 0; seq < 16; seq++)
            cache.Insert(seq, RtpTestPackets.Build(seq, 0, 1), 12);
        cache.Insert(20, RtpTestPackets.Build(20, 0, 1), 12); // skips 16..19: their slots held 0..3
        for (ushort seq = 0; seq <= 4; seq++)
            Assert.False(cache.Contains(seq));
        Assert.True(cache.Contains(5));
        cache.Insert(5000, RtpTestPackets.Build(5000, 0, 1), 12); // past the whole ring
        for (ushort seq = 0; seq <= 20; seq++)
            Assert.False(cache.Contains(seq));
        Assert.True(cache.Contains(5000));
    }

    [Theory]
    [InlineData(101, 12)] // larger than a slot
    [InlineData(11, 12)]  // shorter than an RTP header
    [InlineData(40, 8)]   // header shorter than 12
    [InlineData(40, 14)]  // header not whole words
    [InlineData(40, 44)]  // header longer than the packet
    public void Insert_BadSizes_Refused(int packetLength, int headerLength)
    {
        using var cache = new PacketCache(16, 100);
        Assert.False(cache.Insert(1, new byte[packetLength], headerLength));
        Assert.False(cache.Contains(1));
    }

    [Fact]
    public void Constructor_CapacityNotPowerOfTwo_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PacketCache(500));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PacketCache(512, 70000));
        using var cache = new PacketCache();
        Assert.Equal(512L * 1500, cache.ReservedBytes);
    }

    [Fact]
    public void TryGet_AfterDispose_False()
    {
        var cache = new PacketCache(16, 100);
        cache.Insert(1, RtpTestPackets.Build(1, 0, 1), 12);
        cache.Dispose();
        Assert.False(cache.TryGet(1, out _, out _));
        Assert.Throws<ObjectDisposedException>(() => cache.Insert(2, RtpTestPackets.Build(2, 0, 1), 12));
    }
}
