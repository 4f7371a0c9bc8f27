using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Handlers;

/// <summary>
/// With a bandwidth cap in force (high enough that nothing is dropped) the relay path still allocates nothing per
/// packet: the token bucket is one compare-and-swap. Runs alone, in the collection of <see cref="RelayAllocationTests"/>.
/// </summary>
[Collection(nameof(AllocationMeasuringCollection))]
public sealed class BandwidthAllocationTests
{
    private const int Packets = 2000;

    [Fact]
    public async Task ChannelData_BothWays_WithACap_AllocatesNothingPerPacket()
    {
        var options = new TurnOptions
        {
            AllowLoopbackPeers = true, RelayPortMin = 44500, RelayPortMax = 44999,
            MaxBytesPerSecond = 1_000_000_000, BandwidthBurstBytes = 1_000_000_000,
        };
        options.Users["user"] = "pass";
        await using var server = await TestServer.StartAsync(options);
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var peer = new UdpTestClient();
        var relayed = (await client.AllocateAsync()).Address(StunAttributeType.XorRelayedAddress, true);
        Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync(0x4000, peer.LocalEndPoint)).Type.Class);

        long relayedPackets = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == TurnMetrics.MeterName && instrument.Name == "relayed_packets") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref relayedPackets, value));
        listener.Start();
        long Observe()
        {
            Interlocked.Exchange(ref relayedPackets, 0);
            listener.RecordObservableInstruments();
            return Interlocked.Read(ref relayedPackets);
        }

        var frame = new byte[4 + 100];
        ChannelData.Write(frame, 0x4000, new byte[100], pad: false);
        var payload = new byte[100];
        var toServer = server.UdpEndPoint.Serialize();
        var toRelay = relayed.Serialize();
        Send(client.Udp.Socket, frame, toServer, peer.Socket, payload, toRelay, 200);
        await Task.Delay(200);

        double best = double.MaxValue;
        string runs = "";
        for (int run = 0; run < 3; run++)
        {
            long counted = Observe();
            long before = GC.GetTotalAllocatedBytes(precise: true);
            Send(client.Udp.Socket, frame, toServer, peer.Socket, payload, toRelay, Packets);
            await Task.Delay(200);
            long bytes = GC.GetTotalAllocatedBytes(precise: true) - before;
            long packets = Observe() - counted;
            Assert.True(packets >= Packets / 2, $"only {packets} of {2 * Packets} packets were relayed");
            best = Math.Min(best, (double)bytes / packets);
            runs += $" {bytes} B for {packets};";
        }
        Assert.Equal(0, server.Metrics.Count("dropped", "bandwidth"));
        Assert.True(best < 8, $"{best:0.0} bytes allocated per relayed packet at best ({runs.Trim()})");
    }

    private static void Send(Socket client, byte[] frame, System.Net.SocketAddress server, Socket peer, byte[] payload, System.Net.SocketAddress relay, int count)
    {
        for (int i = 0; i < count; i++)
        {
            client.SendTo(frame, SocketFlags.None, server);
            peer.SendTo(payload, SocketFlags.None, relay);
            if (i % 50 == 49) Thread.Sleep(1);
        }
    }
}
