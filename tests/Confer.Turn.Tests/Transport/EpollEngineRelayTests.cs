using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Turn.Tests.Support;
using Confer.Transport.Engine;

namespace Confer.Turn.Tests.Transport;

/// <summary>
/// TURN on the Linux epoll engine (peer → client on its threads): many allocations at once, an allocation deleted while
/// its peer keeps sending, and no registration left behind. Counts the registrations of the engine all in-process test
/// servers share (<see cref="TestTransport"/>), so the class runs alone (the measuring collection).
/// </summary>
[Collection(nameof(Handlers.AllocationMeasuringCollection))]
public sealed class EpollEngineRelayTests
{
    private static TurnOptions Options(int portMin)
    {
        var options = new TurnOptions { AllowLoopbackPeers = true, RelayPortMin = portMin, RelayPortMax = portMin + 999 };
        options.Users["user"] = "pass";
        return options;
    }

    [Fact]
    public void TheEngineRunsHere()
    {
        // The bench and the tests below only mean something if Linux x64 really uses it.
        Assert.True(EpollEngine.IsSupported);
        Assert.NotNull(TestTransport.Engine);
    }

    [Fact]
    public async Task PortSockets_ServedByTheWorkers_WithTheirAllocationsRelays_AndLeaveOnDispose()
    {
        var engine = TestTransport.Engine!;
        int before = engine.Listeners;
        var server = await TestServer.StartAsync(Options(47000));
        var clients = new List<TurnTestClient>();
        try
        {
            Assert.True(engine.Listeners > before);
            // Clients from many source ports land on every socket of the port's group; each allocation's relay socket
            // must be on the worker that receives its client's datagrams.
            var workers = new HashSet<int>();
            for (int i = 0; i < 16; i++)
            {
                var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
                clients.Add(client);
                Assert.Equal(StunClass.SuccessResponse, (await client.AllocateAsync()).Type.Class);
                var tuple = new FiveTuple(TransportAddress.FromEndPoint(client.Udp.LocalEndPoint),
                    TransportAddress.FromEndPoint(server.UdpEndPoint), ClientTransport.Udp);
                Assert.True(server.Dispatcher.Allocations.TryGet(tuple, out var allocation));
                int worker = Assert.IsAssignableFrom<IEngineSink>(allocation.Sink).EngineWorker;
                Assert.InRange(worker, 0, engine.WorkerCount - 1);
                Assert.Equal(worker, allocation.RelayEngineWorker);
                workers.Add(worker);
            }
            if (engine.WorkerCount > 1 && Environment.ProcessorCount > 1) Assert.True(workers.Count > 1, "every client landed on one worker");
        }
        finally
        {
            await server.DisposeAsync();
            foreach (var client in clients) client.Dispose();
        }
        Assert.Equal(before, engine.Listeners);
    }

    [Fact]
    public async Task ManyAllocations_RelayAtOnce_AndUnregisterOnDispose()
    {
        var engine = TestTransport.Engine!;
        int before = engine.Registered;
        const int Clients = 24, Packets = 30;
        var server = await TestServer.StartAsync(Options(45000));
        var clients = new List<TurnTestClient>();
        using var peer = new UdpTestClient();
        try
        {
            var relayed = new List<IPEndPoint>();
            for (int i = 0; i < Clients; i++)
            {
                var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
                clients.Add(client);
                relayed.Add((await client.AllocateAsync()).Address(StunAttributeType.XorRelayedAddress, true));
                Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync(0x4000, peer.LocalEndPoint)).Type.Class);
            }
            Assert.Equal(before + Clients, engine.Registered);

            // Interleaved: every relay socket has datagrams waiting at once.
            var payload = new byte[200];
            for (int n = 0; n < Packets; n++)
            {
                for (int i = 0; i < Clients; i++)
                {
                    BinaryPrimitives.WriteInt32BigEndian(payload, i);
                    BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(4), n);
                    peer.Socket.SendTo(payload, SocketFlags.None, relayed[i]);
                }
                if (n % 5 == 4) Thread.Sleep(1);
            }

            for (int i = 0; i < Clients; i++)
            {
                int got = 0;
                while (got < Packets && await clients[i].Udp.ReceiveRawAsync(3000) is { } datagram)
                {
                    // ChannelData 0x4000, 200 bytes, and this client's own numbering in order.
                    Assert.Equal(0x4000, BinaryPrimitives.ReadUInt16BigEndian(datagram.Bytes));
                    Assert.Equal(200, BinaryPrimitives.ReadUInt16BigEndian(datagram.Bytes.AsSpan(2)));
                    Assert.Equal(i, BinaryPrimitives.ReadInt32BigEndian(datagram.Bytes.AsSpan(4)));
                    Assert.Equal(got, BinaryPrimitives.ReadInt32BigEndian(datagram.Bytes.AsSpan(8)));
                    got++;
                }
                Assert.Equal(Packets, got);
            }
        }
        finally
        {
            await server.DisposeAsync();
            foreach (var client in clients) client.Dispose();
        }
        Assert.Equal(before, engine.Registered);
    }

    [Fact]
    public async Task AllocationDeleted_WhilePacketsArrive_StopsCleanly_AndTheNextOneRelays()
    {
        var engine = TestTransport.Engine!;
        int before = engine.Registered;
        await using var server = await TestServer.StartAsync(Options(46000));
        using var peer = new UdpTestClient();
        for (int round = 0; round < 5; round++)
        {
            using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
            var relayed = (await client.AllocateAsync()).Address(StunAttributeType.XorRelayedAddress, true);
            Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync(0x4001, peer.LocalEndPoint)).Type.Class);
            Assert.Equal(before + 1, engine.Registered);

            // The peer floods the relayed address (bounded) while the client deletes the allocation.
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var flood = Task.Run(() =>
            {
                var payload = new byte[100];
                var to = relayed.Serialize();
                for (int i = 0; i < 5_000 && !stop.IsCancellationRequested; i++)
                {
                    try { peer.Socket.SendTo(payload, SocketFlags.None, to); }
                    catch (SocketException) { }
                    if (i % 10 == 9) Thread.Sleep(1);
                }
            });
            Assert.NotNull(await client.Udp.ReceiveRawAsync(3000)); // relaying before the delete
            // Sent by hand: the answer arrives between relayed ChannelData, which the helper would take for it. Under
            // the flood a datagram can be lost, so the client retransmits like any UDP client; a retransmission that
            // meets the already deleted allocation gets 437.
            Received? refresh = null;
            for (int attempt = 0; attempt < 5 && refresh is null; attempt++)
            {
                await client.Udp.SendAsync(client.Signed(StunMethod.Refresh, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.Lifetime, 0)), server.UdpEndPoint);
                while (refresh is null && await client.Udp.ReceiveRawAsync(1000) is { } reply)
                    if (reply.Bytes[0] < 0x40) refresh = Received.Parse(reply.Bytes, reply.From);
            }
            Assert.NotNull(refresh);
            Assert.True(refresh.Type.Class == StunClass.SuccessResponse || refresh.ErrorCode == 437, $"refresh answered {refresh.Type} {refresh.ErrorCode}");
            Assert.Equal(before, engine.Registered);
            await stop.CancelAsync();
            await flood;
        }

        // The engine still serves a fresh allocation (its socket may well reuse a closed one's fd number).
        using var last = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var address = (await last.AllocateAsync()).Address(StunAttributeType.XorRelayedAddress, true);
        Assert.Equal(StunClass.SuccessResponse, (await last.ChannelBindAsync(0x4002, peer.LocalEndPoint)).Type.Class);
        peer.Socket.SendTo(new byte[8], SocketFlags.None, address);
        var datagram = await last.Udp.ReceiveRawAsync(3000);
        Assert.NotNull(datagram);
        Assert.Equal(0x4002, BinaryPrimitives.ReadUInt16BigEndian(datagram.Value.Bytes));
    }

    [Fact]
    public void TheseTests_RunTheEngineWithTwoWorkers() => Assert.Equal(2, TestTransport.Engine!.WorkerCount);
}
