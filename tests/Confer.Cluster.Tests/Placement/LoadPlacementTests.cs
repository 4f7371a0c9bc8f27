using System.Net.WebSockets;
using Confer.Cluster.Tests.Support;
using Confer.Server.Hosting;
using Confer.Signaling.Auth;

namespace Confer.Cluster.Tests.Placement;

/// <summary>Three nodes that place every new room on the least-loaded node (no local slack), with a limit of 4 participants each.</summary>
public sealed class LimitedNodes : ThreeNodes
{
    public const int Limit = 4;

    protected override void Configure(ServerOptions options)
    {
        options.Cluster.LocalSlack = 0;
        options.Cluster.MaxParticipants = Limit;
        options.Cluster.LoadRefresh = TimeSpan.FromMilliseconds(200);
    }
}

[Collection("cluster")]
public sealed class LoadPlacementTests(LimitedNodes cluster) : IClassFixture<LimitedNodes>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task NewRooms_GoToTheLeastLoadedNodes_AndAreRefusedWhenEveryNodeIsFull()
    {
        var (a, b, c) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        var clients = new List<SignalClient>();
        try
        {
            // Node a gets three participants (the cluster is empty: the room stays on a, the node asked).
            for (var i = 0; i < 3; i++) clients.Add(await JoinAsync(a, "busy", $"p{i}"));
            Assert.Equal(a.Silo, (await a.HostOfAsync("busy")).Silo);
            await Until(() => cluster.Nodes.All(n => n.LoadSeen(a).Participants == 3));

            // New rooms, asked for on every node (a too), go to b and c: a has the most participants.
            var hosts = new List<string>();
            foreach (var node in cluster.Nodes)
                for (var i = 0; i < 4; i++) hosts.Add((await node.HostOfAsync($"new-{node.HttpPort}-{i}")).Silo);
            Assert.DoesNotContain(a.Silo, hosts);
            Assert.Contains(b.Silo, hosts);
            Assert.Contains(c.Silo, hosts);

            // The limit: a fourth participant fills a (a join into a room already there still works, through b).
            clients.Add(await JoinAsync(b, "busy", "p3"));
            Assert.Equal(LimitedNodes.Limit, a.Participants("busy"));
            await Until(() => cluster.Nodes.All(n => n.LoadSeen(a).Participants == LimitedNodes.Limit && n.LoadSeen(b).Participants == 0 && n.LoadSeen(c).Participants == 0));
            for (var i = 0; i < LimitedNodes.Limit; i++) clients.Add(await JoinAsync(b, "fill-b", $"q{i}"));
            Assert.Equal(b.Silo, (await c.HostOfAsync("fill-b")).Silo);
            await Until(() => cluster.Nodes.All(n => n.LoadSeen(b).Participants == LimitedNodes.Limit));
            for (var i = 0; i < LimitedNodes.Limit; i++) clients.Add(await JoinAsync(a, "fill-c", $"r{i}")); // a and b are full
            Assert.Equal(c.Silo, (await a.HostOfAsync("fill-c")).Silo);
            await Until(() => cluster.Nodes.All(n => cluster.Nodes.All(o => n.LoadSeen(o).Participants >= LimitedNodes.Limit)));

            // Every node is full: a new room is refused, on every node, with a sentence that says why.
            foreach (var node in cluster.Nodes)
            {
                await using var refused = await SignalClient.ConnectAsync(node.HttpPort, Token($"overflow-{node.HttpPort}", "late"));
                var (code, reason) = await refused.Closed.WaitAsync(Wait);
                Assert.Equal((WebSocketCloseStatus)1013, code);
                Assert.Contains("participant limit", reason);
            }
            // A room already on a full node still takes a join.
            clients.Add(await JoinAsync(c, "busy", "p4"));
            Assert.Equal(LimitedNodes.Limit + 1, a.Participants("busy"));

            // One participant leaves c: c is under its limit again and takes the next new room.
            var leaving = clients[^2]; // r3, in fill-c
            await leaving.CloseAsync();
            await Until(() => cluster.Nodes.All(n => n.LoadSeen(c).Participants == LimitedNodes.Limit - 1));
            clients.Add(await JoinAsync(a, "after", "s0"));
            Assert.Equal(c.Silo, (await b.HostOfAsync("after")).Silo);
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
    }

    private static async Task<SignalClient> JoinAsync(ClusterNode node, string room, string identity)
    {
        var client = await SignalClient.ConnectAsync(node.HttpPort, Token(room, identity));
        await client.ExpectAsync("join", Wait);
        return client;
    }

    internal static string Token(string room, string identity) =>
        AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, identity, new VideoGrant { Room = room, RoomJoin = true },
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));

    internal static async Task Until(Func<bool> condition)
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, "the condition did not hold within 10 s");
            await Task.Delay(50);
        }
    }
}
