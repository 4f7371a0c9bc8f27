using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Transport;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Handlers;

[CollectionDefinition(nameof(AllocationMeasuringCollection), DisableParallelization = true)]
public sealed class AllocationMeasuringCollection;

/// <summary>
/// The relay hot path allocates nothing per packet (RFC 8656 §12.6 ChannelData both ways). Measured over the whole
/// process, so this class runs alone; the test thread itself only sends, through pre-serialized addresses.
/// </summary>
[Collection(nameof(AllocationMeasuringCollection))]
public sealed class RelayAllocationTests
{
    private const int Packets = 5000;

    /// <summary>
    /// Also with a bandwidth cap in force (high enough that nothing is dropped): the token bucket is one compare-and-swap.
    /// And for a client on TCP (served by the relay engine's connections where the engine runs).
    /// </summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task ChannelData_BothWays_AllocatesNothingPerPacket(bool withBandwidthCap, bool tcp)
    {
        var options = new TurnOptions
        {
            AllowLoopbackPeers = true,
            RelayPortMin = withBandwidthCap ? 44500 : tcp ? 41500 : 42000,
            RelayPortMax = withBandwidthCap ? 44999 : tcp ? 41999 : 42999,
            MaxBytesPerSecond = withBandwidthCap ? 1_000_000_000 : 0,
            BandwidthBurstBytes = withBandwidthCap ? 1_000_000_000 : 0,
        };
        options.Users["user"] = "pass";
        // An engine of its own (two workers, as the shared one): what its workers allocate is this server's work alone,
        // never what earlier tests' servers, timers or leftovers do on the assembly's shared workers.
        using var transport = TransportRuntime.Create(new TransportOptions { Workers = 2 });
        await using var server = await TestServer.StartAsync(options, tcp: tcp, engine: transport.Engine);
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var peer = new UdpTestClient();
        using var tcpClient = tcp ? await TcpTurnClient.CreateAsync(server.TcpEndPoint) : null;
        IPEndPoint relayed;
        if (tcpClient is not null)
        {
            relayed = tcpClient.Relayed;
            await tcpClient.BindChannelAsync(0x4000, peer.LocalEndPoint);
        }
        else
        {
            relayed = (await client.AllocateAsync()).Address(StunAttributeType.XorRelayedAddress, true);
            Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync(0x4000, peer.LocalEndPoint)).Type.Class);
        }
        // Over TCP the client reads what comes back on its own, so the server never holds it (bounded: until disposed).
        using var drain = new CancellationTokenSource();
        var draining = tcpClient is null ? Task.CompletedTask : DrainAsync(tcpClient.Tcp.Socket, drain.Token);

        long relayedPackets = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == TurnMetrics.MeterName && instrument.Name == "relayed_packets") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref relayedPackets, value));
        listener.Start();

        // On Linux this engine's threads handle every packet of this path: count what they allocate, so the rest of the
        // process (the runner, other tests) stays out of it. Elsewhere, the whole process.
        var engine = transport.Engine;
        long Allocated() => engine?.AllocatedBytesOnWorkers ?? GC.GetTotalAllocatedBytes(precise: true);

        var frame = new byte[4 + 100];
        ChannelData.Write(frame, 0x4000, new byte[100], pad: false);
        var clientSocket = tcpClient?.Tcp.Socket ?? client.Udp.Socket;
        var payload = new byte[100];
        var toServer = server.UdpEndPoint.Serialize();
        var toRelay = relayed.Serialize();

        Send(clientSocket, frame, toServer, peer.Socket, payload, toRelay, 200); // warm-up: JIT, first async completions
        await Task.Delay(200);

        // Five equal runs, the least allocating one counts, and it must stay under 16 bytes per packet: an allocation per
        // packet (at least 24 bytes per object) fails in every run, while a cost now and then does not. CI has shown
        // 32–53 KB per run of 4,000 relayed packets on this server's own workers, in one row or another, never alone on
        // a quiet machine: something rare on the path allocates (cause not found yet; a send that finds the socket
        // full is the suspect), and it is not per packet.
        double best = double.MaxValue;
        string runs = "";
        for (int run = 0; run < 5; run++)
        {
            var (bytes, packets) = await MeasureAsync(Packets);
            Assert.True(packets >= Packets / 2, $"only {packets} of {2 * Packets} packets were relayed");
            best = Math.Min(best, (double)bytes / packets);
            runs += $" {bytes} B for {packets};";
        }
        Assert.Equal(0, server.Metrics.Count("dropped", "bandwidth"));
        Assert.True(best < 16, $"{best:0.0} bytes allocated per relayed packet at best ({runs.Trim()})");
        await drain.CancelAsync();
        await draining;

        async Task<(long Bytes, long Packets)> MeasureAsync(int count)
        {
            long counted = Observe();
            long before = Allocated();
            Send(clientSocket, frame, toServer, peer.Socket, payload, toRelay, count);
            // Until every packet is relayed (or 600 ms): the shorter the window, the less of the rest of the process's
            // work (runner, timers) lands in it.
            long packets = 0;
            for (int wait = 0; wait < 60 && packets < 2L * count; wait++)
            {
                await Task.Delay(10);
                packets = Observe() - counted;
            }
            if (engine is not null) await Task.Delay(50); // each worker notes its count as it ends a wake-up
            long bytes = Allocated() - before;
            return (bytes, Observe() - counted);
        }

        // relayed_packets is an observable counter of totals (one measurement per direction): sum one observation.
        long Observe()
        {
            Interlocked.Exchange(ref relayedPackets, 0);
            listener.RecordObservableInstruments();
            return Interlocked.Read(ref relayedPackets);
        }
    }

    // Client → relay → peer and peer → relay → client, paced so few datagrams overflow a socket buffer.
    private static void Send(Socket client, byte[] frame, SocketAddress server, Socket peer, byte[] payload, SocketAddress relay, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (client.SocketType == SocketType.Stream) client.Send(frame);
            else client.SendTo(frame, SocketFlags.None, server);
            peer.SendTo(payload, SocketFlags.None, relay);
            if (i % 50 == 49) Thread.Sleep(1);
        }
    }

    private static async Task DrainAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[65536];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, ct) > 0) { }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Done.
        }
    }
}
