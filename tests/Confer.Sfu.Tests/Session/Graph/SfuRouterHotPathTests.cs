using System.Buffers.Binary;
using System.Diagnostics;
using Confer.Sfu.Session;
using Xunit.Abstractions;

namespace Confer.Sfu.Tests.Session.Graph;

public sealed class SfuRouterHotPathTests(ITestOutputHelper output)
{
    /// <summary>A single-layer VP8 publisher with <paramref name="fanOut"/> non-recording subscribers; returns a packet to mutate.</summary>
    private static (GraphRoom Room, byte[] Delta, CapturingSender[] Senders) Setup(int fanOut, TimeProvider? clock = null)
    {
        var room = new GraphRoom(clock: clock);
        var producer = room.Router.AddProducer("alice", GraphTestKit.Vp8Single(4242, 4343));
        var senders = new CapturingSender[fanOut];
        for (int i = 0; i < fanOut; i++)
        {
            (_, senders[i]) = room.AddSubscriber("s" + i, record: false);
            room.Router.Subscribe("s" + i, producer);
        }
        room.Publisher.OnRtp(GraphTestKit.Vp8(4242, 0, 0, true, 1, rid: null, twcc: 0, body: 1000));
        var delta = GraphTestKit.Vp8(4242, 1, 3000, false, 2, rid: null, twcc: 1, body: 1000);
        return (room, delta, senders);
    }

    private static void Next(byte[] packet, int i)
    {
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)(i + 1));
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), (uint)(i / 3 * 3000));
        // twcc value is the last 2 bytes of the extension block (mid "0", then twcc): offset 16 + 2 + 1
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(19), (ushort)(i + 1));
    }

    [Fact]
    public void OnRtp_OneToTenFanOut_AllocatesNothingAfterWarmUp()
    {
        var (room, delta, senders) = Setup(10);
        using var _ = room;
        int i = 0;
        for (; i < 2000; i++) // warm-up: tiered JIT, caches, meters
        {
            Next(delta, i);
            room.Publisher.OnRtp(delta);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (; i < 12000; i++)
        {
            Next(delta, i);
            room.Publisher.OnRtp(delta);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.All(senders, s => Assert.Equal(12001, s.RtpCount));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(50)]
    public void OnRtp_FanOut_Throughput(int fanOut)
    {
        var (room, delta, senders) = Setup(fanOut, TimeProvider.System); // the real clock: its timer ticks too
        using var _ = room;
        int i = 0;
        for (; i < 2000; i++)
        {
            Next(delta, i);
            room.Publisher.OnRtp(delta);
        }
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        int count = 0;
        while (clock.ElapsedMilliseconds < 1500 && count < 5_000_000)
        {
            for (int k = 0; k < 100; k++, i++, count++)
            {
                Next(delta, i);
                room.Publisher.OnRtp(delta);
            }
        }
        clock.Stop();
        process.Refresh();
        // CPU time, not wall time: the machine is shared, so "per core" is packets per CPU-second this process used.
        double cpuSeconds = Math.Max((process.TotalProcessorTime - cpuBefore).TotalSeconds, 1e-3);
        double inPerSecond = count / cpuSeconds;
        double outPerSecond = inPerSecond * fanOut;
        string line = $"1->{fanOut}: {inPerSecond:N0} packets in/CPU-s, {outPerSecond:N0} forwarded/CPU-s " +
            $"(wall {count / clock.Elapsed.TotalSeconds * fanOut:N0}/s; ~1040-byte packets, the test sender does no SRTP)";
        output.WriteLine(line);
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "confer-graph-throughput.txt"), line + "\n");
        Assert.All(senders, s => Assert.Equal(i + 1, s.RtpCount));
        Assert.True(outPerSecond > 10_000);
    }
}
