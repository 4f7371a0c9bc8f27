using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confer.Transport.Engine;
using Confer.Transport.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Confer.Transport.Tests.Engine;

/// <summary>
/// The epoll engine with a protocol of the tests' own: datagram sockets registered with a receiver (head and tail room,
/// unregistering), plain TCP connections cut into frames by an injected framer, and a connection taken over by its handler.
/// Each test runs its own engine, so counts are its own.
/// </summary>
public sealed class EpollEngineTests
{
    [Fact]
    public void TheEngineRunsHere()
    {
        // The bench and the tests below only mean something if Linux x64 really uses it.
        Assert.True(EpollEngine.IsSupported);
        using var transport = TransportRuntime.Create(new TransportOptions());
        Assert.NotNull(transport.Engine);
        Assert.Equal(new TransportOptions().ResolveWorkers(Environment.ProcessorCount), transport.Engine!.WorkerCount);
    }

    [Fact]
    public void EngineOff_NoEngine()
    {
        using var transport = TransportRuntime.Create(new TransportOptions { Engine = false });
        Assert.Null(transport.Engine);
    }

    [Fact]
    public void InvalidOptions_AreRefusedWithASentence()
    {
        var e = Assert.Throws<ArgumentException>(() => TransportRuntime.Create(new TransportOptions { Workers = 65 }));
        Assert.Contains("Transport:Workers", e.Message);
    }

    [Fact]
    public async Task DatagramSocket_DeliversWithRoomAroundIt_FromTheWorker_AndStopsWhenUnregistered()
    {
        using var transport = TransportRuntime.Create(new TransportOptions { Workers = 2 });
        var engine = transport.Engine!;
        using var socket = Bound();
        var receiver = new Recorder();
        var registration = new EngineDatagramSocket(socket, receiver);
        Assert.True(engine.Register(registration, preferredWorker: 1));
        Assert.Equal(1, registration.Worker);
        Assert.Equal(1, engine.Registered);

        using var sender = Bound();
        sender.SendTo([1, 2, 3], socket.LocalEndPoint!);
        sender.SendTo(new byte[EpollEngine.MaxDatagram], socket.LocalEndPoint!);
        await receiver.WaitAsync(2);
        Assert.True(receiver.Got.TryDequeue(out var first));
        Assert.Equal([1, 2, 3], first.Data);
        Assert.Equal(sender.LocalEndPoint, first.From);
        Assert.True(first.RoomAfter >= EpollEngine.DatagramTailRoom);
        Assert.Equal(0xAB, first.HeadByte); // the receiver wrote into the head room without harm
        Assert.True(receiver.Got.TryDequeue(out var big));
        Assert.Equal(EpollEngine.MaxDatagram, big.Data.Length);
        Assert.StartsWith("confer-epoll-", first.Thread);

        engine.Unregister(registration);
        Assert.Equal(0, engine.Registered);
        Assert.False(engine.Register(registration)); // for good
        sender.SendTo([4], socket.LocalEndPoint!);
        await Task.Delay(200);
        Assert.Empty(receiver.Got);
        Assert.Equal(1, socket.Available > 0 ? 1 : 0); // left in the socket, not drained by the engine
    }

    [Fact]
    public async Task TcpConnections_FramedAcrossWrites_EchoedFromTheWorkers_AndCleanedUpOnClose()
    {
        using var transport = TransportRuntime.Create(new TransportOptions { Workers = 2 });
        var handler = new EchoHandler();
        await using var listener = TcpEngineListener.TryBind(transport.Engine, IPAddress.Loopback, 0)!;
        listener.Start(handler, LengthFramer.Instance, NullLogger.Instance);

        var clients = new List<Socket>();
        for (int c = 0; c < 4; c++)
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await client.ConnectAsync(listener.EndPoint);
            clients.Add(client);
        }
        foreach (var client in clients)
        {
            // Two frames, the second split byte by byte: both come back whole.
            var one = LengthFramer.Frame("hello"u8);
            var two = LengthFramer.Frame(new byte[3000]);
            await client.SendAsync(one);
            for (int i = 0; i < two.Length; i += 997) await client.SendAsync(two.AsMemory(i, Math.Min(997, two.Length - i)));
            Assert.Equal(one, await ReadExactlyAsync(client, one.Length));
            Assert.Equal(two, await ReadExactlyAsync(client, two.Length));
        }
        Assert.Equal(4, transport.Engine!.Connections);
        Assert.Equal(4, listener.OpenConnections);

        foreach (var client in clients) client.Dispose();
        await WaitUntilAsync(() => handler.Closed.Count == 4 && listener.OpenConnections == 0);
        Assert.Equal(0, transport.Engine.Connections);
        Assert.All(handler.Closed, t => Assert.Equal(ClientTransport.Tcp, t.Transport));
    }

    [Fact]
    public async Task TcpConnection_NotTheFramersProtocol_IsClosed()
    {
        using var transport = TransportRuntime.Create(new TransportOptions { Workers = 1 });
        var handler = new EchoHandler();
        await using var listener = TcpEngineListener.TryBind(transport.Engine, IPAddress.Loopback, 0)!;
        listener.Start(handler, LengthFramer.Instance, NullLogger.Instance);
        using var cts = new CancellationTokenSource(5000);
        var buffer = new byte[16];
        // A length with the top bit set at a frame's start: not this protocol, closed without a reply.
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await other.ConnectAsync(listener.EndPoint);
        await other.SendAsync(new byte[] { 0xFF, 0xFF, 1, 2 });
        Assert.Equal(0, await other.ReceiveAsync(buffer, SocketFlags.None, cts.Token));
        await WaitUntilAsync(() => handler.Closed.Count == 1);
        Assert.Equal(0, handler.Packets);
    }

    [Fact]
    public async Task TcpConnection_TakenOverByItsHandler_CarriesRawBytes()
    {
        using var transport = TransportRuntime.Create(new TransportOptions { Workers = 1 });
        var handler = new EchoHandler();
        await using var listener = TcpEngineListener.TryBind(transport.Engine, IPAddress.Loopback, 0)!;
        listener.Start(handler, LengthFramer.Instance, NullLogger.Instance);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.EndPoint);

        var take = LengthFramer.Frame(EchoHandler.Take);
        byte[] first = [.. take, 0xFF, 0xFE]; // raw bytes right behind the frame that hands the connection over
        await client.SendAsync(first);
        Assert.Equal(take, await ReadExactlyAsync(client, take.Length)); // the reply queued before the takeover goes first
        Assert.Equal([0xFF, 0xFE], await ReadExactlyAsync(client, 2));
        await client.SendAsync(new byte[] { 0xFF, 0xFF, 0xFF });
        Assert.Equal([0xFF, 0xFF, 0xFF], await ReadExactlyAsync(client, 3));
        Assert.Equal(0, transport.Engine!.Connections); // out of the engine
        client.Shutdown(SocketShutdown.Send);
        await WaitUntilAsync(() => handler.Closed.Count == 1 && listener.OpenConnections == 0);
    }

    [Fact]
    public void Dispose_StopsItsThreads_AndIsIdempotent()
    {
        using var engine = new EpollEngine(1);
        Assert.Equal(0, engine.Registered);
        engine.Dispose();
        engine.Dispose();
        // Owners that let go after the engine stopped (allocations closed at shutdown) find nothing to undo.
        using var socket = Bound();
        var registration = new EngineDatagramSocket(socket, new Recorder());
        Assert.False(engine.Register(registration));
        engine.Unregister(registration);
    }

    [Fact]
    public void SendTo_OneDatagram_ReportsErrnoNotExceptions()
    {
        using var socket = Bound();
        using var target = Bound();
        Assert.Equal(0, EpollEngine.SendTo(socket, [9], target.LocalEndPoint!.Serialize()));
        var buffer = new byte[16];
        target.ReceiveTimeout = 2000;
        Assert.Equal(1, target.Receive(buffer));
        socket.Dispose();
        Assert.NotEqual(0, EpollEngine.SendTo(socket, [9], target.LocalEndPoint!.Serialize()));
    }

    internal static async Task<byte[]> ReadExactlyAsync(Socket socket, int length)
    {
        var buffer = new byte[length];
        using var cts = new CancellationTokenSource(5000);
        int n = 0;
        while (n < length)
        {
            int got = await socket.ReceiveAsync(buffer.AsMemory(n), SocketFlags.None, cts.Token);
            if (got == 0) throw new EndOfStreamException($"closed after {n} of {length} bytes");
            n += got;
        }
        return buffer;
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(5)) Assert.Fail("timed out");
            await Task.Delay(10);
        }
    }

    private static Socket Bound()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private sealed class Recorder : IDatagramReceiver
    {
        public ConcurrentQueue<(byte[] Data, EndPoint From, int RoomAfter, byte HeadByte, string Thread)> Got { get; } = new();

        private int _count;

        public void OnDatagram(Span<byte> slot, int length, SocketAddress source)
        {
            slot[EpollEngine.DatagramHeadRoom - 1] = 0xAB;
            var data = slot.Slice(EpollEngine.DatagramHeadRoom, length).ToArray();
            Got.Enqueue((data, new IPEndPoint(IPAddress.Any, 0).Create(source), slot.Length - EpollEngine.DatagramHeadRoom - length,
                slot[EpollEngine.DatagramHeadRoom - 1], Thread.CurrentThread.Name ?? ""));
            Interlocked.Increment(ref _count);
        }

        public async Task WaitAsync(int count) => await WaitUntilAsync(() => Volatile.Read(ref _count) >= count);
    }
}
