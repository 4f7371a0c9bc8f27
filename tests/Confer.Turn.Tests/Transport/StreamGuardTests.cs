using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Transport.Streams;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Transport;

/// <summary>
/// The connection guard on TURN over TCP, served by the epoll engine and by Kestrel: a connection that never allocates
/// is closed at the authentication deadline (a Binding answered meanwhile does not extend it), one that allocates stays,
/// one that announces a 65,535-byte frame and sends part of it is closed at the stall time, one left without its
/// allocation is closed at the idle time, and one over the per-source or total cap is refused at accept.
/// </summary>
public sealed class StreamGuardTests
{
    private static TurnOptions Options()
    {
        var options = new TurnOptions { AllowLoopbackPeers = true };
        options.Users["user"] = "pass";
        return options;
    }

    private static StreamConnectionGuard Guard(double authSeconds = 60, double stallSeconds = 60, double idleSeconds = 60, int perSource = 128, int total = 0) =>
        new(new Confer.Transport.TransportOptions
        {
            AuthTimeout = TimeSpan.FromSeconds(authSeconds),
            StallTimeout = TimeSpan.FromSeconds(stallSeconds),
            IdleTimeout = TimeSpan.FromSeconds(idleSeconds),
            MaxConnectionsPerSource = perSource,
            MaxConnections = total,
        });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unauthenticated_BindingAnswered_IsClosedAtTheAuthDeadline(bool kestrel)
    {
        await using var server = await TestServer.StartAsync(Options(), tcp: true, kestrel: kestrel, guard: Guard(authSeconds: 1));
        Assert.Equal(!kestrel, server.EngineTcp);
        var opened = System.Diagnostics.Stopwatch.StartNew();
        using var client = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        var binding = await client.RequestAsync(StunTestMessages.Request(StunMethod.Binding));
        Assert.Equal(StunClass.SuccessResponse, binding.Type.Class); // answered, as browsers' checks need
        var unauthenticated = await client.RequestAsync(StunTestMessages.AllocateChallenge());
        Assert.Equal(StunClass.ErrorResponse, unauthenticated.Type.Class); // the 401 challenge does not lift the deadline either

        await SocketClosing.ClosedWithinAsync(client.Socket, TimeSpan.FromSeconds(10));
        Assert.True(opened.Elapsed >= TimeSpan.FromSeconds(0.9), $"closed after {opened.Elapsed}, before the deadline");
        Assert.Equal(1, server.Guard!.Metrics.ClosedCount("auth_timeout"));
        await WaitUntilAsync(() => server.Guard.Open == 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Allocated_OutlivesTheAuthDeadline(bool kestrel)
    {
        await using var server = await TestServer.StartAsync(Options(), tcp: true, kestrel: kestrel, guard: Guard(authSeconds: 1));
        using var client = await TcpTurnClient.CreateAsync(server.TcpEndPoint);
        await Task.Delay(2500);
        var binding = await client.Tcp.RequestAsync(StunTestMessages.Request(StunMethod.Binding));
        Assert.Equal(StunClass.SuccessResponse, binding.Type.Class);
        Assert.Equal(0, server.Guard!.Metrics.ClosedCount("auth_timeout"));
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public async Task FrameOf65535BytesAnnounced_SentInPart_IsClosedAtTheStallTime(bool kestrel, bool channelData)
    {
        await using var server = await TestServer.StartAsync(Options(), tcp: true, kestrel: kestrel, guard: Guard(stallSeconds: 1));
        using var client = await SocketClosing.ConnectAsync(server.TcpEndPoint);
        var head = new byte[30_000];
        if (channelData)
        {
            BinaryPrimitives.WriteUInt16BigEndian(head, 0x4001);
            BinaryPrimitives.WriteUInt16BigEndian(head.AsSpan(2), ushort.MaxValue); // 65,535 bytes of data announced
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(head, 0x0001); // a Binding request of 65,532 attribute bytes (a multiple of 4)
            BinaryPrimitives.WriteUInt16BigEndian(head.AsSpan(2), 65_532);
            BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(4), 0x2112A442);
        }
        var sent = System.Diagnostics.Stopwatch.StartNew();
        await client.SendAsync(head);

        await SocketClosing.ClosedWithinAsync(client, TimeSpan.FromSeconds(10));
        Assert.True(sent.Elapsed >= TimeSpan.FromSeconds(0.9), $"closed after {sent.Elapsed}, before the stall time");
        Assert.Equal(1, server.Guard!.Metrics.ClosedCount("stall"));
        Assert.Equal(0, server.Guard.Metrics.ClosedCount("auth_timeout"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FramesCompletedSteadily_AreNotAStall(bool kestrel)
    {
        await using var server = await TestServer.StartAsync(Options(), tcp: true, kestrel: kestrel, guard: Guard(stallSeconds: 2));
        using var client = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        // Each Binding is sent in two halves 300 ms apart, for longer than the stall time in all. The margin (1.7 s)
        // absorbs a loaded machine's late timers: with 1 s and 400 ms, CI once saw a half arrive past the stall time.
        for (int i = 0; i < 8; i++)
        {
            var request = StunTestMessages.Request(StunMethod.Binding);
            await client.SendAsync(request[..10]);
            await Task.Delay(300);
            var answer = await client.RequestAsync(request[10..]);
            Assert.Equal(StunClass.SuccessResponse, answer.Type.Class);
        }
        Assert.Equal(0, server.Guard!.Metrics.ClosedCount("stall"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AllocationDeleted_ConnectionIsClosedAtTheIdleTime(bool kestrel)
    {
        await using var server = await TestServer.StartAsync(Options(), tcp: true, kestrel: kestrel, guard: Guard(authSeconds: 1, idleSeconds: 1));
        using var client = await TcpTurnClient.CreateAsync(server.TcpEndPoint);
        await Task.Delay(1500); // past the auth deadline: the allocation keeps it open
        var refresh = await client.Tcp.RequestAsync(client.Signed(StunMethod.Refresh, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.Lifetime, 0)));
        Assert.Equal(StunClass.SuccessResponse, refresh.Type.Class);

        var idle = await SocketClosing.ClosedWithinAsync(client.Tcp.Socket, TimeSpan.FromSeconds(10));
        Assert.True(idle >= TimeSpan.FromSeconds(0.9), $"closed {idle} after the allocation went, before the idle time");
        Assert.Equal(1, server.Guard!.Metrics.ClosedCount("idle"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PerSourceCap_RefusesTheNextConnection_AndAdmitsOneOnceAPlaceIsFree(bool kestrel)
    {
        const int cap = 4;
        await using var server = await TestServer.StartAsync(Options(), tcp: true, kestrel: kestrel, guard: Guard(perSource: cap));
        var admitted = new List<TcpTestClient>();
        for (int i = 0; i < cap; i++)
        {
            var client = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
            admitted.Add(client);
            Assert.Equal(StunClass.SuccessResponse, (await client.RequestAsync(StunTestMessages.Request(StunMethod.Binding))).Type.Class);
        }

        await SocketClosing.AssertRefusedAsync(server.TcpEndPoint);
        Assert.Equal(1, server.Guard!.Metrics.RefusedCount("per_source"));
        // Another source is counted on its own.
        using (var other = await SocketClosing.ConnectAsync(server.TcpEndPoint, IPAddress.Parse("127.0.0.2")))
        {
            await other.SendAsync(StunTestMessages.Request(StunMethod.Binding));
            Assert.True(await other.ReceiveAsync(new byte[1500]) > 0);
        }

        admitted[0].Dispose();
        await WaitUntilAsync(() => server.Guard!.Open == cap - 1);
        using var again = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        Assert.Equal(StunClass.SuccessResponse, (await again.RequestAsync(StunTestMessages.Request(StunMethod.Binding))).Type.Class);
        foreach (var client in admitted) client.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TotalCap_Full_OldestUnauthenticatedMakesRoom_ForAClientThatAllocates(bool kestrel)
    {
        await using var server = await TestServer.StartAsync(Options(), tcp: true, kestrel: kestrel, guard: Guard(total: 3));
        var idle = new List<Socket>();
        for (int i = 0; i < 3; i++)
        {
            idle.Add(await SocketClosing.ConnectAsync(server.TcpEndPoint, IPAddress.Parse($"127.0.0.{i + 2}")));
            await WaitUntilAsync(() => server.Guard!.Open == i + 1); // admitted in this order
        }
        // Full of connections that never authenticate: a new client still gets in and allocates; the oldest idle one goes.
        using var client = await TcpTurnClient.CreateAsync(server.TcpEndPoint);
        await SocketClosing.ClosedWithinAsync(idle[0], TimeSpan.FromSeconds(5));
        Assert.Equal(1, server.Guard!.Metrics.ClosedCount("evicted"));
        Assert.Equal(0, server.Guard.Metrics.RefusedCount("total"));
        foreach (var socket in idle) socket.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TotalCap_FullOfAuthenticatedClients_RefusesTheNextConnection_FromAnySource(bool kestrel)
    {
        await using var server = await TestServer.StartAsync(Options(), tcp: true, kestrel: kestrel, guard: Guard(total: 3));
        var clients = new List<TcpTurnClient>();
        for (int i = 0; i < 3; i++) clients.Add(await TcpTurnClient.CreateAsync(server.TcpEndPoint));
        await SocketClosing.AssertRefusedAsync(server.TcpEndPoint, IPAddress.Parse("127.0.0.9"));
        Assert.Equal(1, server.Guard!.Metrics.RefusedCount("total"));
        Assert.Equal(StunClass.SuccessResponse, (await clients[0].Tcp.RequestAsync(StunTestMessages.Request(StunMethod.Binding))).Type.Class);
        foreach (var client in clients) client.Dispose();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++) await Task.Delay(25);
        Assert.True(condition());
    }
}
