using System.Net.WebSockets;
using Confer.Server.Tests.Hosting;
using Confer.Signaling.Auth;

namespace Confer.Cluster.Tests.Rooms;

[Collection("cluster")]
public sealed class RoomPlacementTests(ThreeNodes cluster) : IClassFixture<ThreeNodes>
{
    [Fact]
    public async Task HostOf_AskedByEveryNodeAtOnce_OneHostSeenByAll()
    {
        var silos = cluster.Nodes.Select(n => n.Silo).ToHashSet();
        var hosts = new HashSet<string>();
        for (var i = 0; i < 30; i++)
        {
            var room = $"race-{i}";
            // Every node claims the room at the same moment: each first call would place the grain on its own node.
            var answers = await Task.WhenAll(cluster.Nodes.Select(n => n.HostOfAsync(room)));
            Assert.Single(answers.Select(a => a.Silo).Distinct());
            Assert.Contains(answers[0].Silo, silos);
            // Asked again later, from every node: the same host.
            var again = await Task.WhenAll(cluster.Nodes.Select(n => n.HostOfAsync(room)));
            Assert.All(again, a => Assert.Equal(answers[0], a));
            hosts.Add(answers[0].Silo);
        }
        Assert.True(hosts.Count >= 2, $"30 raced rooms all landed on one node ({string.Join(", ", hosts)}): placement is not per first caller");
    }

    [Fact]
    public async Task HostOf_FirstAskedByOneNode_PlacesTheRoomThere()
    {
        for (var i = 0; i < cluster.Nodes.Count; i++)
        {
            var node = cluster.Nodes[i];
            var host = await node.HostOfAsync($"first-{i}");
            Assert.Equal(node.Silo, host.Silo);
            Assert.Equal(node.Name, host.Node);
            foreach (var other in cluster.Nodes) Assert.Equal(host, await other.HostOfAsync($"first-{i}"));
        }
    }

    [Fact]
    public async Task Join_OnTheRoomsNode_Joins_OnAnotherNode_RefusedNamingIt()
    {
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        await using (var alice = await RtcSocket.ConnectAsync(a.HttpPort, Token("standup", "alice")))
        {
            await alice.ExpectAsync("join", TimeSpan.FromSeconds(10)); // the first join placed the room on node a

            await using var bob = await RtcSocket.ConnectAsync(b.HttpPort, Token("standup", "bob"));
            var (code, reason) = await bob.Closed.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal((WebSocketCloseStatus)1013, code);
            Assert.Contains(a.Name, reason);

            await using var carol = await RtcSocket.ConnectAsync(a.HttpPort, Token("standup", "carol"));
            await carol.ExpectAsync("join", TimeSpan.FromSeconds(10));
        }
        Assert.Equal(a.Silo, (await b.HostOfAsync("standup")).Silo);
    }

    private static string Token(string room, string identity) =>
        AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, identity, new VideoGrant { Room = room, RoomJoin = true },
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
}
