using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Stun.Auth;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Transport;

/// <summary>
/// TURN over TCP as the server runs it (the relay engine's own connections where the engine runs) and through Kestrel (as
/// TLS always runs): stream framing across reads, frames larger than the first read buffer, a client that stops reading,
/// connections that end, and a server that stops with connections open.
/// </summary>
public sealed class TcpTransportTests
{
    private static TurnOptions Options()
    {
        var options = new TurnOptions { AllowLoopbackPeers = true, MaxBytesPerSecond = 0 }; // no cap: these tests fill queues on a fake clock
        options.Users["user"] = "pass";
        return options;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Frames_SplitAcrossWrites_AndLargerThanAFirstRead_AreRelayed(bool kestrel)
    {
        await using var server = await TestServer.StartAsync(Options(), tcp: true, kestrel: kestrel);
        Assert.Equal(!kestrel, server.EngineTcp);
        using var client = await TcpTurnClient.CreateAsync(server.TcpEndPoint);
        using var peer = new UdpTestClient();

        // A ChannelBind written a byte at a time: the server must wait for the whole frame.
        var bind = client.Signed(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            w.AddUInt32(StunAttributeType.ChannelNumber, 0x4001u << 16);
            w.AddXorAddress(StunAttributeType.XorPeerAddress, peer.LocalEndPoint);
        });
        client.Tcp.Socket.NoDelay = true;
        foreach (byte b in bind)
        {
            await client.Tcp.SendAsync([b]);
            await Task.Delay(1);
        }
        var bound = await client.Tcp.ReceiveFrameAsync();
        Assert.NotNull(bound);
        Assert.Equal(StunClass.SuccessResponse, Received.Parse(bound).Type.Class);

        // 40 000 bytes of data in one ChannelData frame (more than the 16 KB a connection starts with), sent in pieces,
        // followed at once by a small frame in the same write as the big one's tail.
        var data = new byte[40_000];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 7);
        var big = new byte[4 + data.Length];
        ChannelData.Write(big, 0x4001, data, pad: true);
        var small = new byte[8];
        ChannelData.Write(small, 0x4001, [9, 9, 9], pad: true);
        await client.Tcp.SendAsync(big[..3]);
        await Task.Delay(20);
        for (int offset = 3; offset < big.Length - 1000; offset += 1000) await client.Tcp.SendAsync(big[offset..Math.Min(offset + 1000, big.Length - 1000)]);
        await client.Tcp.SendAsync([.. big[^1000..], .. small]);

        Assert.Equal(data, (await peer.ReceiveRawAsync())!.Value.Bytes);
        Assert.Equal(new byte[] { 9, 9, 9 }, (await peer.ReceiveRawAsync())!.Value.Bytes);

        // And back: a 30 000-byte datagram from the peer arrives as one frame.
        var back = new byte[30_000];
        back.AsSpan().Fill(0x5A);
        await peer.SendAsync(back, client.Relayed);
        var frame = await client.Tcp.ReceiveFrameAsync();
        Assert.NotNull(frame);
        Assert.True(ChannelData.TryRead(frame, out var message));
        Assert.Equal(back, message.Data.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ClientThatStopsReading_GetsWholeFramesInOrder_AndOthersKeepFlowing(bool kestrel)
    {
        await using var server = await TestServer.StartAsync(Options(), tcp: true, kestrel: kestrel);
        using var slow = await TcpTurnClient.CreateAsync(server.TcpEndPoint);
        using var other = await TcpTurnClient.CreateAsync(server.TcpEndPoint);
        using var peer = new UdpTestClient();
        await slow.BindChannelAsync(0x4000, peer.LocalEndPoint);
        await other.BindChannelAsync(0x4000, peer.LocalEndPoint);

        // The slow client reads nothing while its peer sends 12 000 datagrams of 1 000 bytes (12 MB: more than the
        // kernel's buffers on both ends plus the server's queue), each numbered. Bounded: 12 000 sends.
        const int Count = 12_000;
        var payload = new byte[1000];
        for (int i = 0; i < Count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(payload, i);
            await peer.SendAsync(payload, slow.Relayed);
            if (i % 100 == 99) await Task.Delay(2); // let the relay keep up: the loss should be the client's, not the peer socket's
        }
        // Meanwhile the other client is served as usual.
        await peer.SendAsync([1, 2, 3], other.Relayed);
        var frame = await other.Tcp.ReceiveFrameAsync();
        Assert.NotNull(frame);
        Assert.True(ChannelData.TryRead(frame, out var message));
        Assert.Equal(new byte[] { 1, 2, 3 }, message.Data.ToArray());

        // Now the slow client reads everything (until a second passes without data): every frame whole (a message is
        // dropped whole or not at all), numbers increasing.
        var stream = new MemoryStream();
        var buffer = new byte[65536];
        while (stream.Length < 2L * Count * 1004)
        {
            using var idle = new CancellationTokenSource(1000);
            int n;
            try { n = await slow.Tcp.Socket.ReceiveAsync(buffer, SocketFlags.None, idle.Token); }
            catch (OperationCanceledException) { break; }
            if (n == 0) break;
            stream.Write(buffer, 0, n);
        }
        var bytes = stream.ToArray();
        int received = 0, last = -1, offset = 0;
        while (offset < bytes.Length)
        {
            Assert.True(ChannelData.TryRead(bytes.AsSpan(offset), out var m), $"frame {received} at byte {offset} is not ChannelData");
            Assert.Equal(0x4000, m.Channel);
            Assert.Equal(1000, m.Data.Length);
            int n = BinaryPrimitives.ReadInt32BigEndian(m.Data);
            Assert.True(n > last, $"frame {n} after {last}");
            last = n;
            received++;
            offset += 1004;
        }
        Assert.InRange(received, 1, Count - 1); // some got through; the rest were dropped rather than queued without end
        Assert.True(server.Metrics.Snapshot().GetValueOrDefault("dropped_packets{client_queue_full}") > 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ClosedConnections_LeaveNoAllocationOrConnection(bool kestrel)
    {
        await using var server = await TestServer.StartAsync(Options(), tcp: true, kestrel: kestrel);
        var clients = new List<TcpTurnClient>();
        for (int i = 0; i < 20; i++) clients.Add(await TcpTurnClient.CreateAsync(server.TcpEndPoint));
        Assert.Equal(20, server.Dispatcher.Allocations.Count);
        if (server.EngineTcp) Assert.Equal(20, server.OpenTcpConnections);
        foreach (var c in clients) c.Dispose();
        for (int i = 0; i < 100 && (server.Dispatcher.Allocations.Count > 0 || server.OpenTcpConnections > 0); i++) await Task.Delay(20);
        Assert.Equal(0, server.Dispatcher.Allocations.Count);
        Assert.Equal(0, server.OpenTcpConnections);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StoppingServer_EndsOpenConnections(bool kestrel)
    {
        var server = await TestServer.StartAsync(Options(), tcp: true, kestrel: kestrel);
        using var client = await TcpTurnClient.CreateAsync(server.TcpEndPoint);
        using var idle = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        var stopping = server.DisposeAsync().AsTask();
        Assert.Same(stopping, await Task.WhenAny(stopping, Task.Delay(10_000)));
        using var cts = new CancellationTokenSource(3000);
        foreach (var socket in new[] { client.Tcp.Socket, idle.Socket })
        {
            int n;
            try { n = await socket.ReceiveAsync(new byte[64], SocketFlags.None, cts.Token); }
            catch (SocketException) { n = 0; } // reset counts as ended
            Assert.Equal(0, n);
        }
    }
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RandomAndCutStreams_LeaveNoState_AndTheServerKeepsAnswering(bool kestrel)
    {
        await using var server = await TestServer.StartAsync(Options(), tcp: true, kestrel: kestrel);
        var random = new Random(6062);
        var binding = StunTestMessages.Request(StunMethod.Binding);
        // 200 connections, each a different kind of bad stream; bounded in count and bytes.
        for (int i = 0; i < 200; i++)
        {
            using var client = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
            byte[] bytes = (i % 4) switch
            {
                0 => RandomBytes(random, random.Next(1, 3000)),                              // noise
                1 => [.. binding, .. binding[..random.Next(1, binding.Length)]],              // a whole frame, then one cut short
                2 => [0x40, 0x00, 0xFF, 0xFF, .. RandomBytes(random, random.Next(0, 500))], // ChannelData header claiming 64 KiB
                _ => Mutated(random, binding),                                                 // a Binding with flipped bits
            };
            try { await client.SendAsync(bytes); }
            catch (SocketException) { } // the server may close first
        }
        using var good = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        var answer = await good.RequestAsync(StunTestMessages.Request(StunMethod.Binding));
        Assert.Equal(StunMessageType.BindingSuccess, answer.Type);
        good.Dispose();
        for (int i = 0; i < 100 && server.OpenTcpConnections > 0; i++) await Task.Delay(20);
        Assert.Equal(0, server.OpenTcpConnections);
        Assert.Equal(0, server.Dispatcher.Allocations.Count);

        static byte[] RandomBytes(Random random, int length)
        {
            var b = new byte[length];
            random.NextBytes(b);
            return b;
        }

        static byte[] Mutated(Random random, byte[] message)
        {
            var b = message.ToArray();
            for (int k = 0; k < 3; k++) b[random.Next(b.Length)] ^= (byte)(1 << random.Next(8));
            return b;
        }
    }
}
