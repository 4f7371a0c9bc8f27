using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Stun.Auth;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Handlers;

public sealed class TcpRelayTests
{
    private static byte[] Signed(StunMethod method, string nonce, WriteAttributes attributes) => TcpTurnClient.Sign(method, nonce, attributes);

    /// <summary>An RFC 6062 data connection set up the whole way: TCP allocation, Connect to a listening peer, ConnectionBind.</summary>
    private sealed class DataPath(TcpTestClient control, string nonce, byte[] connectionId, Socket atPeer, TcpTestClient data) : IDisposable
    {
        public TcpTestClient Control { get; } = control;
        public string Nonce { get; } = nonce;
        public byte[] ConnectionId { get; } = connectionId;
        public Socket AtPeer { get; } = atPeer;
        public TcpTestClient Data { get; } = data;

        public static async Task<DataPath> OpenAsync(TestServer server, TcpListener peer)
        {
            var control = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
            var nonce = (await control.RequestAsync(StunTestMessages.AllocateChallenge())).String(StunAttributeType.Nonce);
            var allocate = await control.RequestAsync(Signed(StunMethod.Allocate, nonce, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 6u << 24)));
            Assert.Equal(StunClass.SuccessResponse, allocate.Type.Class);
            var connect = await control.RequestAsync(Signed(StunMethod.Connect, nonce, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorPeerAddress, (IPEndPoint)peer.LocalEndpoint)));
            Assert.Equal(StunClass.SuccessResponse, connect.Type.Class);
            var connectionId = connect.Attributes[StunAttributeType.ConnectionId];
            var atPeer = await peer.AcceptSocketAsync();
            var data = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
            var bind = await data.RequestAsync(Signed(StunMethod.ConnectionBind, nonce, (ref StunMessageWriter w) => w.Add(StunAttributeType.ConnectionId, connectionId)));
            Assert.Equal(StunClass.SuccessResponse, bind.Type.Class);
            return new DataPath(control, nonce, connectionId, atPeer, data);
        }

        public void Dispose()
        {
            Data.Dispose();
            AtPeer.Dispose();
            Control.Dispose();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Connect_ThenConnectionBind_RelaysBytesBothWays(bool kestrel)
    {
        var options = new TurnOptions { AllowLoopbackPeers = true, TcpRelay = true, RelayPortMin = 43000, RelayPortMax = 43999 };
        options.Users["user"] = "pass";
        await using var server = await TestServer.StartAsync(options, tcp: true, kestrel: kestrel);
        using var peerListener = new TcpListener(IPAddress.Loopback, 0);
        peerListener.Start();
        using var path = await DataPath.OpenAsync(server, peerListener);
        var (atPeer, data, connectionId) = (path.AtPeer, path.Data, path.ConnectionId);

        await data.SendAsync([0xDE, 0xAD, 0xBE, 0xEF, 0xFF]);
        var buffer = new byte[16];
        using var cts = new CancellationTokenSource(3000);
        int n = 0;
        while (n < 5) n += await atPeer.ReceiveAsync(buffer.AsMemory(n), SocketFlags.None, cts.Token);
        Assert.Equal(new byte[] { 0xDE, 0xAD, 0xBE, 0xEF, 0xFF }, buffer[..5]);

        await atPeer.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None);
        var raw = new byte[16];
        int m = 0;
        while (m < 3) m += await data.Socket.ReceiveAsync(raw.AsMemory(m), SocketFlags.None, cts.Token);
        Assert.Equal(new byte[] { 1, 2, 3 }, raw[..3]);
        Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32BigEndian(connectionId));
    }

    [Fact]
    public async Task DataConnection_EndsWithItsAllocation()
    {
        var options = new TurnOptions { AllowLoopbackPeers = true, TcpRelay = true, RelayPortMin = 44000, RelayPortMax = 44999 };
        options.Users["user"] = "pass";
        await using var server = await TestServer.StartAsync(options, tcp: true);
        using var peerListener = new TcpListener(IPAddress.Loopback, 0);
        peerListener.Start();
        using var path = await DataPath.OpenAsync(server, peerListener);
        var (control, nonce, atPeer, data) = (path.Control, path.Nonce, path.AtPeer, path.Data);

        // The control connection deletes the allocation (Refresh, lifetime 0): both ends of the data connection see it end.
        var refresh = await control.RequestAsync(Signed(StunMethod.Refresh, nonce, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.Lifetime, 0)));
        Assert.Equal(StunClass.SuccessResponse, refresh.Type.Class);
        using var cts = new CancellationTokenSource(3000);
        foreach (var socket in new[] { atPeer, data.Socket })
        {
            int n;
            try { n = await socket.ReceiveAsync(new byte[16], SocketFlags.None, cts.Token); }
            catch (SocketException) { n = 0; } // reset counts as ended
            Assert.Equal(0, n);
        }
    }

    [Fact]
    public async Task Connect_BeyondThePeerConnectionLimit_Gets508()
    {
        var options = new TurnOptions { AllowLoopbackPeers = true, TcpRelay = true, RelayPortMin = 45000, RelayPortMax = 45999, MaxTcpConnectionsPerAllocation = 2 };
        options.Users["user"] = "pass";
        await using var server = await TestServer.StartAsync(options, tcp: true);
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var l in listeners) l.Start();
            using var control = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
            var nonce = (await control.RequestAsync(StunTestMessages.AllocateChallenge())).String(StunAttributeType.Nonce);
            Assert.Equal(StunClass.SuccessResponse, (await control.RequestAsync(Signed(StunMethod.Allocate, nonce, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 6u << 24)))).Type.Class);
            var answers = new List<Received>();
            foreach (var l in listeners)
                answers.Add(await control.RequestAsync(Signed(StunMethod.Connect, nonce, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorPeerAddress, (IPEndPoint)l.LocalEndpoint))));
            Assert.Equal(StunClass.SuccessResponse, answers[0].Type.Class);
            Assert.Equal(StunClass.SuccessResponse, answers[1].Type.Class);
            Assert.Equal(508, answers[2].ErrorCode);
        }
        finally
        {
            foreach (var l in listeners) l.Dispose();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DataConnection_IsPacedByTheBandwidthCap(bool kestrel)
    {
        var options = new TurnOptions { AllowLoopbackPeers = true, TcpRelay = true, RelayPortMin = 46000, RelayPortMax = 46999, MaxBytesPerSecond = 10_000, BandwidthBurstBytes = 10_000 };
        options.Users["user"] = "pass";
        await using var server = await TestServer.StartAsync(options, tcp: true, kestrel: kestrel);
        using var peerListener = new TcpListener(IPAddress.Loopback, 0);
        peerListener.Start();
        using var path = await DataPath.OpenAsync(server, peerListener);
        var (atPeer, data) = (path.AtPeer, path.Data);

        // 30 000 bytes at a cap of 10 000 B/s with a 10 000-byte burst: the burst passes, the rest waits for the
        // (fake) clock, and arrives whole once it has moved on.
        var sent = new byte[30_000];
        new Random(6).NextBytes(sent);
        await data.SendAsync(sent);
        var received = new List<byte>();
        await ReadAsync(atPeer, received, 500);
        Assert.InRange(received.Count, 1, 10_000);
        for (int second = 0; second < 6 && received.Count < sent.Length; second++)
        {
            server.Time.Advance(TimeSpan.FromSeconds(1));
            await ReadAsync(atPeer, received, 300);
        }
        Assert.Equal(sent, received.ToArray());

        static async Task ReadAsync(Socket socket, List<byte> into, int quietMs)
        {
            var buffer = new byte[65536];
            while (true)
            {
                using var quiet = new CancellationTokenSource(quietMs);
                int n;
                try { n = await socket.ReceiveAsync(buffer, SocketFlags.None, quiet.Token); }
                catch (OperationCanceledException) { return; }
                if (n == 0) return;
                into.AddRange(buffer.AsSpan(0, n).ToArray());
            }
        }
    }

    [Fact]
    public async Task DualTcpAllocation_ConnectsToPeersOfBothFamilies()
    {
        var options = new TurnOptions { AllowLoopbackPeers = true, TcpRelay = true, RelayPortMin = 47000, RelayPortMax = 47999, RelayAddressV6 = IPAddress.IPv6Loopback };
        options.Users["user"] = "pass";
        await using var server = await TestServer.StartAsync(options, tcp: true);
        using var peer4 = new TcpListener(IPAddress.Loopback, 0);
        using var peer6 = new TcpListener(IPAddress.IPv6Loopback, 0);
        peer4.Start();
        peer6.Start();

        using var control = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
        var nonce = (await control.RequestAsync(StunTestMessages.AllocateChallenge())).String(StunAttributeType.Nonce);
        var allocate = await control.RequestAsync(Signed(StunMethod.Allocate, nonce, (ref StunMessageWriter w) =>
        {
            w.AddUInt32(StunAttributeType.RequestedTransport, 6u << 24);
            w.AddAdditionalAddressFamily(StunAddressFamily.IPv6);
        }));
        Assert.Equal(StunClass.SuccessResponse, allocate.Type.Class);
        Assert.False(allocate.Attributes.ContainsKey(StunAttributeType.AddressErrorCode));
        Assert.Equal(2, CountRelayed(allocate.Bytes));

        foreach (var (listener, address) in new[] { (peer4, IPAddress.Loopback), (peer6, IPAddress.IPv6Loopback) })
        {
            var connect = await control.RequestAsync(Signed(StunMethod.Connect, nonce, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorPeerAddress, (IPEndPoint)listener.LocalEndpoint)));
            Assert.Equal(StunClass.SuccessResponse, connect.Type.Class);
            using var atPeer = await listener.AcceptSocketAsync();
            Assert.Equal(address, ((IPEndPoint)atPeer.RemoteEndPoint!).Address); // from the relayed address of the peer's family
            using var data = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
            Assert.Equal(StunClass.SuccessResponse, (await data.RequestAsync(Signed(StunMethod.ConnectionBind, nonce, (ref StunMessageWriter w) => w.Add(StunAttributeType.ConnectionId, connect.Attributes[StunAttributeType.ConnectionId])))).Type.Class);
            await data.SendAsync([7, 7, 7]);
            var buffer = new byte[8];
            using var cts = new CancellationTokenSource(3000);
            int n = 0;
            while (n < 3) n += await atPeer.ReceiveAsync(buffer.AsMemory(n), SocketFlags.None, cts.Token);
            Assert.Equal(new byte[] { 7, 7, 7 }, buffer[..3]);
        }

        static int CountRelayed(byte[] message)
        {
            int count = 0;
            for (int offset = StunMessage.HeaderLength; offset + 4 <= message.Length;)
            {
                ushort type = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(offset));
                int length = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(offset + 2));
                if (type == (ushort)StunAttributeType.XorRelayedAddress) count++;
                offset += 4 + ((length + 3) & ~3);
            }
            return count;
        }
    }
}
