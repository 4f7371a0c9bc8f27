using System.Net;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Handlers;

/// <summary>
/// Quotas that cannot be sidestepped: EVEN-PORT reservations count as allocations, permissions and channels per
/// allocation are capped (508), and the total quota holds however many Allocates arrive at once.
/// </summary>
public sealed class QuotaTests
{
    private static TurnOptions Options(Action<TurnOptions>? change = null)
    {
        var options = new TurnOptions { RelayPortMin = 50000, RelayPortMax = 50999 };
        options.Users["user"] = "pass";
        options.Users["other"] = "pass";
        change?.Invoke(options);
        return options;
    }

    private static void ReserveNext(ref StunMessageWriter w) => w.Add(StunAttributeType.EvenPort, [0x80]);

    [Fact]
    public async Task EvenPortReservation_CountsAgainstUserQuota_UntilTaken()
    {
        await using var server = await TestServer.StartAsync(Options(o => o.MaxAllocationsPerUser = 2));
        using var a = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var b = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var c = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        var first = await a.AllocateAsync(ReserveNext);
        Assert.Equal(StunClass.SuccessResponse, first.Type.Class);
        var token = first.Attributes[StunAttributeType.ReservationToken];

        Assert.Equal(486, (await b.AllocateAsync()).ErrorCode); // one allocation plus one reserved port: the quota is full
        // Taking the reservation turns it into an allocation: still two.
        Assert.Equal(StunClass.SuccessResponse, (await c.AllocateAsync((ref StunMessageWriter w) => w.Add(StunAttributeType.ReservationToken, token))).Type.Class);
        Assert.Equal(486, (await b.AllocateAsync()).ErrorCode);
        Assert.Equal(2, server.Dispatcher.Allocations.Held);
    }

    [Fact]
    public async Task EvenPortReservation_CountsAgainstTotal_AndIsGivenBackWhenItExpires()
    {
        await using var server = await TestServer.StartAsync(Options(o => o.MaxAllocations = 2));
        using var a = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        using var b = new TurnTestClient(server.UdpEndPoint, "other", "pass");
        Assert.Equal(StunClass.SuccessResponse, (await a.AllocateAsync(ReserveNext)).Type.Class);
        Assert.Equal(508, (await b.AllocateAsync()).ErrorCode);

        server.Time.Advance(TimeSpan.FromSeconds(31)); // the reservation expires (30 s) and is swept
        for (int i = 0; i < 100 && server.Dispatcher.Allocations.Held > 1; i++) await Task.Delay(10);
        Assert.Equal(StunClass.SuccessResponse, (await b.AllocateAsync()).Type.Class);
    }

    [Fact]
    public async Task Permissions_OverTheDefaultCap_Return508_RefreshStillWorks()
    {
        var options = Options();
        Assert.Equal(128, options.MaxPermissionsPerAllocation);
        await using var server = await TestServer.StartAsync(options);
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        await client.AllocateAsync();
        for (int i = 0; i < 128; i++)
        {
            var peer = new IPEndPoint(new IPAddress([203, 0, (byte)(i >> 8), (byte)i]), 5000);
            Assert.Equal(StunClass.SuccessResponse, (await client.CreatePermissionAsync(peer)).Type.Class);
        }
        Assert.Equal(508, (await client.CreatePermissionAsync(new IPEndPoint(IPAddress.Parse("198.51.100.1"), 5000))).ErrorCode);
        Assert.Equal(508, (await client.ChannelBindAsync(0x4000, new IPEndPoint(IPAddress.Parse("198.51.100.1"), 5000))).ErrorCode);
        Assert.Equal(StunClass.SuccessResponse, (await client.CreatePermissionAsync(new IPEndPoint(new IPAddress([203, 0, 0, 7]), 1))).Type.Class);
        Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync(0x4000, new IPEndPoint(new IPAddress([203, 0, 0, 7]), 1))).Type.Class);
    }

    [Fact]
    public async Task Channels_OverTheDefaultCap_Return508()
    {
        await using var server = await TestServer.StartAsync(Options());
        using var client = new TurnTestClient(server.UdpEndPoint, "user", "pass");
        await client.AllocateAsync();
        for (int i = 0; i < 128; i++)
            Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync((ushort)(0x4000 + i), new IPEndPoint(IPAddress.Parse("203.0.113.5"), 1000 + i))).Type.Class);
        Assert.Equal(508, (await client.ChannelBindAsync(0x4080, new IPEndPoint(IPAddress.Parse("203.0.113.5"), 2000))).ErrorCode);
        Assert.Equal(StunClass.SuccessResponse, (await client.ChannelBindAsync(0x4000, new IPEndPoint(IPAddress.Parse("203.0.113.5"), 1000))).Type.Class); // refresh
    }

    /// <summary>
    /// Many clients on their own connections ask at the same moment (each has its nonce already, so the signed Allocates
    /// leave together; TCP served by Kestrel, so they are handled on several threads at once): never more allocations than
    /// <see cref="TurnOptions.MaxAllocations"/>, at any instant or at the end. Over UDP too.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ParallelAllocates_NeverExceedTheTotalQuota(bool tcp)
    {
        const int Limit = 5, Clients = 80;
        await using var server = await TestServer.StartAsync(Options(o =>
        {
            o.MaxAllocations = Limit;
            o.MaxAllocationsPerUser = 1000;
            o.UnauthenticatedBurst = 1000;
        }), tcp: tcp, kestrel: tcp);
        for (int round = 0; round < 3; round++)
        {
            var (succeeded, refused, observed) = tcp ? await RaceTcpAsync(server, Clients) : await RaceUdpAsync(server, Clients);
            Assert.Equal(Limit, succeeded);
            Assert.Equal(Clients - Limit, refused);
            Assert.InRange(observed, 0, Limit);
            for (int i = 0; i < 200 && server.Dispatcher.Allocations.Count > 0; i++) await Task.Delay(10); // closed connections free theirs
            if (!tcp) { server.Time.Advance(TimeSpan.FromHours(2)); server.Dispatcher.Allocations.Sweep(); }
            Assert.Equal(0, server.Dispatcher.Allocations.Held);
        }
    }

    private static async Task<(int Succeeded, int Refused, int Observed)> RaceTcpAsync(TestServer server, int count)
    {
        var clients = new List<TcpTestClient>();
        try
        {
            var requests = new List<byte[]>();
            for (int i = 0; i < count; i++)
            {
                var client = await TcpTestClient.ConnectAsync(server.TcpEndPoint);
                clients.Add(client);
                var nonce = (await client.RequestAsync(StunTestMessages.AllocateChallenge())).String(StunAttributeType.Nonce);
                requests.Add(TcpTurnClient.Sign(StunMethod.Allocate, nonce, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24)));
            }
            return await RaceAsync(server, () => Task.WhenAll(clients.Select((c, i) => c.SendAsync(requests[i]))),
                async () => (await Task.WhenAll(clients.Select(c => c.ReceiveFrameAsync(5000)))).Select(f => Received.Parse(f!)).ToArray());
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    private static async Task<(int Succeeded, int Refused, int Observed)> RaceUdpAsync(TestServer server, int count)
    {
        var clients = Enumerable.Range(0, count).Select(_ => new TurnTestClient(server.UdpEndPoint, "user", "pass")).ToList();
        try
        {
            foreach (var client in clients) await LearnNonceAsync(client, server.UdpEndPoint);
            var requests = clients.Select(c => c.Signed(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24))).ToList();
            return await RaceAsync(server, () => Task.WhenAll(clients.Select((c, i) => c.Udp.SendAsync(requests[i], server.UdpEndPoint))),
                () => Task.WhenAll(clients.Select(c => c.Udp.ReceiveAsync(5000))));
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    private static async Task<(int, int, int)> RaceAsync(TestServer server, Func<Task> send, Func<Task<Received[]>> receive)
    {
        int observed = 0;
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested) observed = Math.Max(observed, server.Dispatcher.Allocations.Count);
        });
        await send();
        var answers = await receive();
        await stop.CancelAsync();
        await watcher;
        observed = Math.Max(observed, server.Dispatcher.Allocations.Count);
        return (answers.Count(a => a.Type.Class == StunClass.SuccessResponse), answers.Count(a => a.ErrorCode == 508), observed);
    }

    private static async Task LearnNonceAsync(TurnTestClient client, IPEndPoint server)
    {
        var challenge = await client.Udp.RequestAsync(StunTestMessages.AllocateChallenge(), server);
        Assert.Equal(401, challenge.ErrorCode);
        client.Nonce = challenge.String(StunAttributeType.Nonce);
        client.Realm = challenge.String(StunAttributeType.Realm);
    }
}
