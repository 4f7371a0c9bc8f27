using System.Diagnostics;
using System.Net.WebSockets;
using Confer.Cluster.Tests.Support;
using Confer.Signaling.Auth;
using Confer.Server.Hosting;
using Xunit.Abstractions;

namespace Confer.Cluster.Tests.Redis;

/// <summary>
/// Issue 17 item 5: Redis in trouble. While it is down, a meeting in progress goes on (its participants on two nodes keep
/// exchanging frames) and a new room is refused with a clear reason, not left hanging; when Redis comes back empty (its
/// data lost), new rooms work again and the meeting's room is still on exactly one node, the same seen from every node.
/// </summary>
[Collection("cluster")]
public sealed class RedisTroubleTests(ThreeNodes cluster, ITestOutputHelper output) : IClassFixture<ThreeNodes>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RedisDownThenBackEmpty_MeetingGoesOn_NewRoomsRefusedThenServed_RoomStaysOnOneNode()
    {
        var (a, b, c) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        await using var alice = await SignalClient.ConnectAsync(a.HttpPort, Token("in-progress", "alice"));
        await alice.ExpectAsync("join", Wait);
        await using var bob = await SignalClient.ConnectAsync(b.HttpPort, Token("in-progress", "bob"));
        await bob.ExpectAsync("join", Wait);

        cluster.KillRedis();
        var down = Stopwatch.StartNew();

        // The meeting goes on: frames both ways, through the room's node, for a few seconds with Redis gone.
        for (var i = 0; i < 6; i++)
        {
            await alice.SendAsync(new { v = 1, id = 100 + i, type = "data", payload = $"a{i}" });
            await bob.SendAsync(new { v = 1, id = 100 + i, type = "data", payload = $"b{i}" });
            await bob.ExpectAsync("data", f => f.GetProperty("payload").GetString() == $"a{i}", Wait);
            await alice.ExpectAsync("data", f => f.GetProperty("payload").GetString() == $"b{i}", Wait);
            await Task.Delay(500);
        }
        output.WriteLine($"meeting went on for {down.Elapsed.TotalSeconds:0.0} s with Redis down");

        // A new room cannot be placed: refused with a reason, within the call timeout and a margin.
        var asked = Stopwatch.StartNew();
        await using (var carol = await SignalClient.ConnectAsync(c.HttpPort, Token("new-while-down", "carol")))
        {
            var (code, reason) = await carol.Closed.WaitAsync(TimeSpan.FromSeconds(20));
            output.WriteLine($"new room while Redis is down: closed {(int?)code} '{reason}' after {asked.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal((WebSocketCloseStatus)1013, code);
            Assert.Contains("cluster", reason, StringComparison.OrdinalIgnoreCase);
        }

        // Redis comes back with nothing in it.
        await cluster.StartRedisAgainAsync();
        var back = Stopwatch.StartNew();
        string? joined = null;
        for (var attempt = 0; joined is null && back.Elapsed < TimeSpan.FromSeconds(45); attempt++)
        {
            await using var dave = await SignalClient.ConnectAsync(c.HttpPort, Token($"new-after-{attempt}", "dave"));
            try
            {
                await dave.ExpectAsync("join", TimeSpan.FromSeconds(8));
                joined = $"new-after-{attempt}";
            }
            catch (TimeoutException)
            {
                await Task.Delay(500);
            }
        }
        output.WriteLine($"a new room joined {back.Elapsed.TotalSeconds:0.0} s after Redis came back ({joined})");
        Assert.NotNull(joined);

        // The meeting still goes on, and its room is on one node, the same from every node.
        await alice.SendAsync(new { v = 1, id = 200, type = "data", payload = "after" });
        await bob.ExpectAsync("data", f => f.GetProperty("payload").GetString() == "after", Wait);
        var hosts = new List<string>();
        foreach (var node in cluster.Nodes) hosts.Add((await node.HostOfAsync("in-progress")).Silo);
        output.WriteLine("in-progress hosted by: " + string.Join(", ", hosts));
        Assert.All(hosts, h => Assert.Equal(a.Silo, h));
        // And a join through the third node lands in the same room, with both of the others in it.
        await using var erin = await SignalClient.ConnectAsync(c.HttpPort, Token("in-progress", "erin"));
        var join = await erin.ExpectAsync("join", Wait);
        Assert.Equal(["alice", "bob"], join.GetProperty("otherParticipants").EnumerateArray().Select(p => p.GetProperty("identity").GetString()).Order());
    }

    private static string Token(string room, string identity) =>
        AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, identity, new VideoGrant { Room = room, RoomJoin = true },
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
}
