using System.Net;
using Confer.Stun;
using Confer.Turn.Allocations;
using Confer.Turn.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Turn.Tests.Handlers;

/// <summary>
/// The per-allocation bandwidth cap (<c>--max-bps</c>): a token bucket per direction on the fake clock. What is over
/// the cap is dropped and counted as dropped_packets{reason="bandwidth"}, and passes again once time has refilled it.
/// </summary>
public sealed class BandwidthTests
{
    private const int Packet = 500;

    private static TurnOptions Options(long bytesPerSecond, long burst)
    {
        var options = new TurnOptions
        {
            AllowLoopbackPeers = true, RelayPortMin = 44000, RelayPortMax = 44999,
            MaxBytesPerSecond = bytesPerSecond, BandwidthBurstBytes = burst,
        };
        options.Users["user"] = "pass";
        return options;
    }

    [Fact]
    public void Limiter_BurstThenRate_OnTheFakeClock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var limiter = new BandwidthLimiter(bytesPerSecond: 1000, burstBytes: 3000, time);
        int passed = 0;
        for (int i = 0; i < 10; i++) if (limiter.TryConsume(Packet)) passed++;
        Assert.Equal(6, passed); // the burst: 3000 bytes at once
        Assert.False(limiter.TryConsume(1));

        time.Advance(TimeSpan.FromMilliseconds(500)); // refills 500 bytes
        Assert.True(limiter.TryConsume(Packet));
        Assert.False(limiter.TryConsume(Packet));

        time.Advance(TimeSpan.FromHours(1)); // a long pause refills the burst, never more
        passed = 0;
        for (int i = 0; i < 10; i++) if (limiter.TryConsume(Packet)) passed++;
        Assert.Equal(6, passed);
        Assert.False(new BandwidthLimiter(1000, 3000, time).TryConsume(3001)); // larger than the burst: never
    }

    [Fact]
    public void Limiter_ManyThreadsAtOnce_PassNoMoreThanTheBurst()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var limiter = new BandwidthLimiter(bytesPerSecond: 1000, burstBytes: 100_000, time);
        long passed = 0;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            for (int i = 0; i < 1000; i++) if (limiter.TryConsume(100)) Interlocked.Add(ref passed, 100);
        });
        Assert.Equal(100_000, passed);
    }

    /// <summary>
    /// Without --max-bps the cap is 2.5 MB/s (20 Mb/s) each direction, a second's worth as burst: 50 datagrams of 60 000
    /// bytes (3 MB) at one instant of the fake clock, and the last ones are dropped.
    /// </summary>
    [Fact]
    public async Task DefaultCap_2500000BytesPerSecond_DropsWhatIsOver()
    {
        var options = new TurnOptions { AllowLoopbackPeers = true, RelayPortMin = 44000, RelayPortMax = 44999 };
        options.Users["user"] = "pass";
        Assert.Equal(2_500_000, options.MaxBytesPerSecond);
        Assert.Equal(2_500_000, options.EffectiveBurstBytes);
        await using var server = await TestServer.StartAsync(options);
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var peer = new UdpTestClient();
        await client.AllocateAsync();
        Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync(0x4000, peer.LocalEndPoint)).Type.Class);
        for (int i = 0; i < 50; i++) await client.SendChannelDataAsync(0x4000, new byte[60_000]);
        Assert.Equal(9, await DroppedAsync(server, 9)); // 41 × 60 000 fit in 2 500 000
    }

    [Fact]
    public async Task ClientToPeer_OverTheCap_IsDroppedAndCounted_ThenPassesAfterTime()
    {
        await using var server = await TestServer.StartAsync(Options(1000, 3000));
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var peer = new UdpTestClient();
        await client.AllocateAsync();
        Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync(0x4000, peer.LocalEndPoint)).Type.Class);

        for (int i = 0; i < 10; i++) await client.SendChannelDataAsync(0x4000, new byte[Packet]);
        Assert.Equal(6, await CountAsync(peer, 6));
        Assert.Equal(4, await DroppedAsync(server, 4));

        server.Time.Advance(TimeSpan.FromSeconds(2)); // 2000 bytes more
        for (int i = 0; i < 5; i++) await client.SendChannelDataAsync(0x4000, new byte[Packet]);
        Assert.Equal(4, await CountAsync(peer, 4));
        Assert.Equal(5, await DroppedAsync(server, 5));
    }

    [Fact]
    public async Task PeerToClient_OverTheCap_IsDroppedAndCounted_ThenPassesAfterTime()
    {
        await using var server = await TestServer.StartAsync(Options(1000, 3000));
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var peer = new UdpTestClient();
        var relayed = (await client.AllocateAsync()).Address(StunAttributeType.XorRelayedAddress, true);
        Assert.Equal(StunClass.SuccessResponse, (await client.CreatePermissionAsync(peer.LocalEndPoint)).Type.Class);

        // Send indications to the peer use the other direction's bucket: the peer→client one stays full.
        await client.SendIndicationAsync(peer.LocalEndPoint, new byte[Packet]);
        Assert.Equal(1, await CountAsync(peer, 1));

        for (int i = 0; i < 10; i++) await peer.SendAsync(new byte[Packet], relayed);
        Assert.Equal(6, await CountAsync(client.Udp, 6));
        Assert.Equal(4, await DroppedAsync(server, 4));

        server.Time.Advance(TimeSpan.FromSeconds(1));
        for (int i = 0; i < 3; i++) await peer.SendAsync(new byte[Packet], relayed);
        Assert.Equal(2, await CountAsync(client.Udp, 2));
        Assert.Equal(5, await DroppedAsync(server, 5));
    }

    [Fact]
    public async Task NoCap_ByDefault_NothingDropped()
    {
        await using var server = await TestServer.StartAsync(Options(0, 0));
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var peer = new UdpTestClient();
        await client.AllocateAsync();
        await client.ChannelBindAsync(0x4000, peer.LocalEndPoint);
        for (int i = 0; i < 20; i++) await client.SendChannelDataAsync(0x4000, new byte[1200]);
        Assert.Equal(20, await CountAsync(peer, 20));
        Assert.Equal(0, server.Metrics.Count("dropped", "bandwidth"));
    }

    [Fact]
    public void Options_DefaultBurst_IsOneSecondAtLeast64KiB()
    {
        Assert.Equal(65_536, new TurnOptions { MaxBytesPerSecond = 1000 }.EffectiveBurstBytes);
        Assert.Equal(1_000_000, new TurnOptions { MaxBytesPerSecond = 1_000_000 }.EffectiveBurstBytes);
        Assert.Equal(5000, new TurnOptions { MaxBytesPerSecond = 1000, BandwidthBurstBytes = 5000 }.EffectiveBurstBytes);
        Assert.NotNull(new TurnOptions { MaxBytesPerSecond = -1 }.Validate());
    }

    // Datagrams that arrive: up to 3 s each for the expected ones (a loaded machine can be slow), then any extra
    // ones within 300 ms, so that more than expected is seen too.
    private static async Task<int> CountAsync(UdpTestClient socket, int expected)
    {
        int count = 0;
        while (count < expected && await socket.ReceiveRawAsync(3000) is not null) count++;
        while (await socket.ReceiveRawAsync(300) is not null) count++;
        return count;
    }

    private static async Task<long> DroppedAsync(TestServer server, long expected)
    {
        for (int i = 0; i < 150 && server.Metrics.Count("dropped", "bandwidth") < expected; i++) await Task.Delay(20);
        return server.Metrics.Count("dropped", "bandwidth");
    }
}
