using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confer.Transport.Native;
using Confer.Transport.Tests.Support;
using Confer.Transport.Udp;
using Microsoft.Extensions.Logging.Abstractions;

namespace Confer.Transport.Tests.Udp;

/// <summary>
/// The UDP receive loops: on the epoll engine's workers, batched on a thread of their own (<c>recvmmsg</c>/<c>sendmmsg</c>
/// on 64-bit Linux) and portable (one <c>recvfrom</c> per datagram). Every reply must reach the socket that asked, from
/// the server's address, and the handler must have seen that socket's own address.
/// </summary>
public sealed class BatchedUdpTests
{
    private const int Clients = 4, RequestsPerClient = 100, Window = 25;

    [Fact]
    public void RecvMmsg_TakesEveryQueuedDatagramWithItsSource()
    {
        if (!Libc.MmsgSupported) return; // the layouts are those of 64-bit Linux
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            using var server = Bound(address);
            using var a = Bound(address);
            using var b = Bound(address);
            var target = server.LocalEndPoint!;
            a.SendTo([1], target);
            b.SendTo([2, 2], target);
            a.SendTo([3, 3, 3], target);
            WaitQueued(server);

            using var buffers = new MmsgBuffers(8, 1500);
            int n = buffers.Receive(server.SafeHandle, 8, out int error);

            Assert.True(n == 3, $"recvmmsg returned {n} (errno {error})");
            var from = new SocketAddress(address.AddressFamily);
            var expected = new[] { (a, new byte[] { 1 }), (b, new byte[] { 2, 2 }), (a, new byte[] { 3, 3, 3 }) };
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(expected[i].Item2, buffers.Received(i).ToArray());
                Assert.False(buffers.Truncated(i));
                Assert.True(buffers.TryCopyAddress(i, from));
                Assert.Equal(expected[i].Item1.LocalEndPoint, new IPEndPoint(address, 0).Create(from));
            }
        }
    }

    [Fact]
    public void BatchingSink_QueuesOnItsThread_SendsDirectlyFromOthers()
    {
        if (!Libc.MmsgSupported) return;
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            using var server = Bound(address);
            using var a = Bound(address);
            using var b = Bound(address);
            using var queue = new MmsgBuffers(2, 64);
            var sink = new UdpSocketSink(server, queue);

            // Three replies on the owner thread: the queue holds two, so the third flushes the first two.
            Assert.True(sink.Send([1], a.LocalEndPoint!.Serialize()));
            Assert.True(sink.Send([2], b.LocalEndPoint!.Serialize()));
            Assert.True(sink.Send([3], a.LocalEndPoint!.Serialize()));
            Assert.Equal([1], Receive(a));
            Assert.Equal([2], Receive(b));
            Assert.Equal(0, a.Available);
            // Too big for a slot: the queued reply leaves first, then the big one.
            Assert.True(sink.Send(new byte[100], a.LocalEndPoint!.Serialize()));
            Assert.Equal([3], Receive(a));
            Assert.Equal(100, Receive(a).Length);

            // Another thread (a relay) sends at once, without waiting for a flush.
            Assert.True(sink.Send([5], b.LocalEndPoint!.Serialize()));
            var relay = new Thread(() => sink.Send([6], a.LocalEndPoint!.Serialize()));
            relay.Start();
            relay.Join();
            Assert.Equal([6], Receive(a));
            Assert.Equal(0, b.Available);
            sink.Flush();
            Assert.Equal([5], Receive(b));

            // After the loop ends nothing is queued any more.
            sink.EndBatching();
            Assert.True(sink.Send([7], b.LocalEndPoint!.Serialize()));
            Assert.Equal([7], Receive(b));
        }
    }

    [Theory]
    [InlineData(UdpListenerSet.DefaultBatchSize, true)]
    [InlineData(UdpListenerSet.DefaultBatchSize, false)]
    [InlineData(1, false)]
    public async Task ManyClients_IPv4AndIPv6_EveryReplyReachesItsSender(int batchSize, bool engine)
    {
        using var transport = TransportRuntime.Create(new TransportOptions { Engine = engine, Workers = 2 });
        var handler = new EchoHandler();
        await using var v4 = UdpListenerSet.Bind(IPAddress.Loopback, 0, null, 0, 2);
        await using var v6 = UdpListenerSet.Bind(IPAddress.IPv6Loopback, 0, null, 0, 2);
        v4.Start(handler, transport.Engine, NullLogger.Instance, batchSize);
        v6.Start(handler, transport.Engine, NullLogger.Instance, batchSize);
        if (engine && transport.Engine is { } running) Assert.Equal(4, running.Listeners);

        var clients = new List<Task>();
        for (int c = 0; c < Clients; c++)
        {
            clients.Add(Task.Run(() => RunClient(IPAddress.Loopback, v4.Primary.EndPoint)));
            clients.Add(Task.Run(() => RunClient(IPAddress.IPv6Loopback, v6.Primary.EndPoint)));
        }
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Theory]
    [InlineData(UdpListenerSet.DefaultBatchSize, true)]
    [InlineData(UdpListenerSet.DefaultBatchSize, false)]
    [InlineData(1, false)]
    public async Task Dispose_EndsEveryReceiveThread(int batchSize, bool engine)
    {
        using var transport = TransportRuntime.Create(new TransportOptions { Engine = engine, Workers = 2 });
        var set = UdpListenerSet.Bind(IPAddress.Loopback, 0, null, 0, 2);
        set.Start(new EchoHandler(), transport.Engine, NullLogger.Instance, batchSize);
        using (var client = Bound(IPAddress.Loopback))
        {
            client.SendTo([42], set.Primary.EndPoint);
            Assert.Equal(42, Receive(client)[^1]);
        }

        var clock = Stopwatch.StartNew();
        await set.DisposeAsync();
        await set.LoopsEnded.WaitAsync(TimeSpan.FromSeconds(3));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"receive threads took {clock.Elapsed} to end");
        Assert.Equal(0, transport.Engine?.Listeners ?? 0);
    }

    /// <summary>Sends <see cref="RequestsPerClient"/> numbered datagrams with up to <see cref="Window"/> outstanding.</summary>
    private static void RunClient(IPAddress address, IPEndPoint server)
    {
        using var socket = Bound(address);
        socket.ReceiveTimeout = 2000;
        var self = TransportAddress.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);
        var outstanding = new HashSet<int>();
        var buffer = new byte[2048];
        int sent = 0, answered = 0;
        while (answered < RequestsPerClient)
        {
            while (sent < RequestsPerClient && outstanding.Count < Window)
            {
                outstanding.Add(sent);
                socket.SendTo(BitConverter.GetBytes(sent), server);
                sent++;
            }
            EndPoint from = new IPEndPoint(address, 0);
            int n = socket.ReceiveFrom(buffer, ref from); // throws on timeout: a lost reply fails the test
            Assert.Equal(server, from);
            Assert.Equal(22, n);
            Assert.Equal(self with { IsIPv6 = false }, EchoHandler.ClientOf(buffer) with { IsIPv6 = false });
            Assert.True(outstanding.Remove(BitConverter.ToInt32(buffer, 18)), "a reply to a datagram this socket did not send");
            answered++;
        }
    }

    private static Socket Bound(IPAddress address)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(address, 0));
        return socket;
    }

    private static byte[] Receive(Socket socket)
    {
        socket.ReceiveTimeout = 2000;
        var buffer = new byte[2048];
        int n = socket.Receive(buffer);
        return buffer[..n];
    }

    private static void WaitQueued(Socket socket)
    {
        // Loopback delivery happens inside the sender's system call; the wait is for a very slow machine only.
        var deadline = Stopwatch.StartNew();
        while (socket.Available == 0 && deadline.ElapsedMilliseconds < 2000) Thread.Sleep(1);
        Thread.Sleep(20);
    }
}
