using Confer.Cluster.Tests.Support;
using Confer.Server.Tests.Hosting;
using System.Diagnostics;
using Confer.Signaling.Auth;
using Xunit.Abstractions;

namespace Confer.Cluster.Tests.Rooms;

[Collection("cluster")]
public sealed class RoomPlacementTests(ThreeNodes cluster, ITestOutputHelper output) : IClassFixture<ThreeNodes>
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
    public async Task Join_OnAnotherNode_ServedThroughTheRoomsNode_WhichStaysItsNode()
    {
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        await using (var alice = await RtcSocket.ConnectAsync(a.HttpPort, Token("standup", "alice")))
        {
            await alice.ExpectAsync("join", TimeSpan.FromSeconds(10)); // the first join placed the room on node a

            await using var bob = await RtcSocket.ConnectAsync(b.HttpPort, Token("standup", "bob"));
            await bob.ExpectAsync("join", TimeSpan.FromSeconds(10)); // through a (ForwardingTests has the rest)
            await alice.ExpectAsync("participantJoined", TimeSpan.FromSeconds(10));
        }
        Assert.Equal(a.Silo, (await b.HostOfAsync("standup")).Silo);
    }

    [Fact]
    public async Task Claim_WithoutARoomOnItsNode_LapsesAndIsMadeAfresh()
    {
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        var first = await a.HostOfAsync("lapse");
        Assert.Equal(a.Silo, first.Silo);
        Assert.Equal(first, await b.HostOfAsync("lapse")); // b's ask does not move it, and renews a's claim

        // Nobody makes the room on a, but asks keep renewing the claim: for twice the release time it is the same claim.
        for (var i = 0; i < (int)(ClusterNode.RoomReleaseAfter * 2 / TimeSpan.FromMilliseconds(200)); i++)
        {
            await Task.Delay(200);
            Assert.Equal(first, await b.HostOfAsync("lapse"));
        }

        // Then nobody asks: the claim lapses and the grain goes; the next ask makes a new claim (b's cached address may
        // bring it back to a: either node, as long as every node sees the same one).
        await Task.Delay(ClusterNode.RoomReleaseAfter * 2);
        var fresh = await b.HostOfAsync("lapse");
        Assert.True(fresh.Since > first.Since, $"the claim from {first.Since:HH:mm:ss.fff} did not lapse");
        Assert.Contains(fresh.Silo, new[] { a.Silo, b.Silo });
        Assert.All(await Task.WhenAll(cluster.Nodes.Select(n => n.HostOfAsync("lapse"))), h => Assert.Equal(fresh, h));
    }

    [Fact]
    public async Task Claim_WithTheRoomOnItsNode_Holds()
    {
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[2]);
        await using var alice = await RtcSocket.ConnectAsync(a.HttpPort, Token("held", "alice"));
        await alice.ExpectAsync("join", TimeSpan.FromSeconds(10));
        await Task.Delay(ClusterNode.RoomReleaseAfter * 2); // no ask in between: only the room on a keeps the claim
        Assert.Equal(a.Silo, (await b.HostOfAsync("held")).Silo);
    }

    [Fact]
    public async Task HostOf_FromAnotherNode_OneHopTakesUnderTwentyFiveMillisecondsAtP99()
    {
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        Assert.Equal(a.Silo, (await a.HostOfAsync("latency")).Silo);
        var local = await TimeAsync(a, "latency");
        var remote = await TimeAsync(b, "latency");
        output.WriteLine($"room grain call, 1000 in a row: on its node p50 {local.P50:0.000} ms p99 {local.P99:0.000} ms; " +
            $"from another node p50 {remote.P50:0.000} ms p99 {remote.P99:0.000} ms");
        Assert.True(remote.P99 < 25, $"one hop between nodes took {remote.P99:0.0} ms at p99");
    }

    private static async Task<(double P50, double P99)> TimeAsync(Support.ClusterNode node, string room)
    {
        for (var i = 0; i < 100; i++) await node.HostOfAsync(room);
        var samples = new double[1000];
        for (var i = 0; i < samples.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await node.HostOfAsync(room);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(samples);
        return (samples[499], samples[989]);
    }

    private static string Token(string room, string identity) =>
        AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, identity, new VideoGrant { Room = room, RoomJoin = true },
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
}
