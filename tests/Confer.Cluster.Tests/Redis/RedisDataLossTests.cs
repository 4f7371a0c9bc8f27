using System.Diagnostics;
using Confer.Cluster.Tests.Support;
using Confer.Server.Hosting;
using Confer.Signaling.Auth;
using Orleans.Runtime;
using HashEntry = StackExchange.Redis.HashEntry;
using ConfigurationOptions = StackExchange.Redis.ConfigurationOptions;
using ConnectionMultiplexer = StackExchange.Redis.ConnectionMultiplexer;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Confer.Cluster.Tests.Redis;

/// <summary>
/// Issue 17 item 5: a Redis restart, with and without its data, leaves every room on exactly one node and the nodes in
/// one cluster. Without its data Redis has also lost the membership table: the running nodes put it back
/// (<c>MembershipKeeper</c>), so a node started afterwards joins them instead of making a cluster of its own, and a node
/// that dies afterwards is still declared dead. Three nodes run in this process, a fourth as a real <c>confer serve</c>
/// process (the one killed), and a fifth is started after the restart.
/// </summary>
[Collection("cluster")]
public sealed class RedisDataLossTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string TableKey = "confer/members/confer";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly List<ClusterNode> _nodes = [];
    private readonly List<SignalClient> _clients = [];
    private RedisProcess? _redis;
    private ServeNode? _serve;
    private string? _dataDir;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var c in _clients) await c.DisposeAsync();
        if (_serve is not null) await _serve.DisposeAsync();
        await Task.WhenAll(_nodes.Select(n => n.DisposeAsync().AsTask()));
        _redis?.Dispose();
        if (_dataDir is not null) try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task RedisBackWithoutData_TablePutBack_NewNodeJoins_RoomsOnOneNode_DeadNodeDeclaredDead()
    {
        await StartClusterAsync(persistent: false);
        var before = await TableAsync();
        Assert.Equal(5, before.Length); // the version row and four nodes

        _redis!.Dispose(); // SIGKILL, and its data is gone with it
        await Task.Delay(2000); // the nodes notice: their reads fail
        _redis = await RedisProcess.StartAsync(_redis.Port);
        var back = Stopwatch.StartNew();
        Assert.Empty(await TableAsync());

        // (a) The table comes back: the version row and the four nodes' rows, all active.
        HashEntry[] table = [];
        while (back.Elapsed < TimeSpan.FromSeconds(30))
        {
            table = await TableAsync();
            if (table.Length == 5) break;
            await Task.Delay(20);
        }
        var restored = back.Elapsed;
        output.WriteLine($"membership table put back {restored.TotalMilliseconds:0} ms after Redis came back empty ({table.Length} fields)");
        Assert.Equal(before.Select(e => e.Name.ToString()).Order(), table.Select(e => e.Name.ToString()).Order());
        Assert.All(table.Where(e => e.Name != "Version"), e => Assert.Contains("\"Status\":3", e.Value.ToString(), StringComparison.Ordinal));
        Assert.True(restored < TimeSpan.FromSeconds(5), $"the table took {restored.TotalSeconds:0.0} s to come back");

        // (b) A node started now joins the same cluster: it sees the four, and they see it.
        var late = Stopwatch.StartNew();
        var fifth = await ClusterNode.StartAsync(_redis.Uri);
        _nodes.Add(fifth);
        foreach (var node in _nodes)
            Assert.True(await node.WaitActiveAsync(5, TimeSpan.FromSeconds(30)), $"{node.Name} sees {node.Members(SiloStatus.Active).Count} active nodes, not 5");
        output.WriteLine($"a node started after the restore joined the cluster of five in {late.Elapsed.TotalMilliseconds:0} ms");

        // (c) Every room is on exactly one node, the same seen from every node.
        await AssertRoomsOnTheirNodesAsync();

        // (d) A node killed now is declared dead by every other node.
        var killed = Stopwatch.StartNew();
        _serve!.Kill();
        Assert.True(await ServeNode.UntilAsync(() => _nodes.All(n => n.StatusOf(_serve.ClusterEndPoint) == SiloStatus.Dead), TimeSpan.FromSeconds(30)),
            "the killed node was not declared dead: " + string.Join(", ", _nodes.Select(n => n.StatusOf(_serve.ClusterEndPoint))));
        output.WriteLine($"kill -9 after the restore: declared dead after {killed.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(15), $"declared dead after {killed.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task RedisBackWithItsData_RoomsOnOneNode_NewNodeJoins()
    {
        await StartClusterAsync(persistent: true);
        var before = await TableAsync();

        _redis!.Dispose(); // SIGKILL: the append-only file (fsync every second) is what it comes back with
        await Task.Delay(2000);
        _redis = await RedisProcess.StartAsync(_redis.Port, _dataDir);
        var table = await TableAsync();
        output.WriteLine($"Redis came back with {table.Length} of the {before.Length} membership fields");
        Assert.Equal(before.Select(e => e.Name.ToString()).Order(), table.Select(e => e.Name.ToString()).Order());

        var late = Stopwatch.StartNew();
        _nodes.Add(await ClusterNode.StartAsync(_redis.Uri));
        foreach (var node in _nodes)
            Assert.True(await node.WaitActiveAsync(5, TimeSpan.FromSeconds(30)), $"{node.Name} sees {node.Members(SiloStatus.Active).Count} active nodes, not 5");
        output.WriteLine($"a node started after the restart joined the cluster of five in {late.Elapsed.TotalMilliseconds:0} ms");
        await AssertRoomsOnTheirNodesAsync();
    }

    [Fact]
    public async Task NodeStartedWhileTableWasGone_FormsItsOwnSet_ThenMerged_RoomKeptOnTheOldNode()
    {
        _redis = await RedisProcess.StartAsync();
        for (var i = 0; i < 3; i++) _nodes.Add(await ClusterNode.StartAsync(_redis.Uri));
        foreach (var node in _nodes) Assert.True(await node.WaitActiveAsync(3, TimeSpan.FromSeconds(30)));
        var p0 = await SignalClient.ConnectAsync(_nodes[0].HttpPort, Token("room-0", "p0"));
        _clients.Add(p0);
        await p0.ExpectAsync("join", Wait);
        await Task.Delay(1500); // every keeper has its copy

        // The running nodes do not notice for a while (their keepers paused): a node that starts in the empty Redis now
        // makes a cluster of its own, as in the trial, and makes room-0 a second time.
        foreach (var node in _nodes) node.Keeper.Paused = true;
        _redis.Dispose();
        _redis = await RedisProcess.StartAsync(_redis.Port);
        var newcomer = await ClusterNode.StartAsync(_redis.Uri);
        _nodes.Add(newcomer);
        Assert.True(await newcomer.WaitActiveAsync(1, TimeSpan.FromSeconds(30)));
        var q = await SignalClient.ConnectAsync(newcomer.HttpPort, Token("room-0", "q"));
        _clients.Add(q);
        Assert.Empty((await q.ExpectAsync("join", Wait)).GetProperty("otherParticipants").EnumerateArray());
        var r = await SignalClient.ConnectAsync(newcomer.HttpPort, Token("room-new", "r"));
        _clients.Add(r);
        await r.ExpectAsync("join", Wait);
        Assert.Equal(1, newcomer.Participants("room-0"));
        Assert.Equal(1, _nodes[0].Participants("room-0"));

        // The keepers notice: the tables are merged, the four are one cluster, and room-0 stays on its old node.
        var merge = Stopwatch.StartNew();
        foreach (var node in _nodes.Take(3)) node.Keeper.Paused = false;
        foreach (var node in _nodes)
            Assert.True(await node.WaitActiveAsync(4, TimeSpan.FromSeconds(30)), $"{node.Name} sees {node.Members(SiloStatus.Active).Count} active nodes, not 4");
        output.WriteLine($"one cluster of four {merge.Elapsed.TotalMilliseconds:0} ms after the keepers looked again");
        var (code, _) = await q.Closed.WaitAsync(TimeSpan.FromSeconds(20));
        output.WriteLine($"the newcomer's copy of room-0 was given up {merge.Elapsed.TotalMilliseconds:0} ms after (close {(int?)code})");
        Assert.Equal((System.Net.WebSockets.WebSocketCloseStatus)1012, code);
        Assert.False(newcomer.App.Services.GetRequiredService<Confer.Signaling.Rooms.RoomManager>().Holds(new Confer.Signaling.Rooms.RoomName("room-0")));

        // q joins again through the newcomer and lands in the old node's room with p0; room-new stays where it was.
        await using var again = await SignalClient.ConnectAsync(newcomer.HttpPort, Token("room-0", "q"));
        var join = await again.ExpectAsync("join", Wait);
        Assert.Equal(["p0"], join.GetProperty("otherParticipants").EnumerateArray().Select(p => p.GetProperty("identity").GetString()));
        foreach (var node in _nodes)
        {
            Assert.Equal(_nodes[0].Silo, (await node.HostOfAsync("room-0").WaitAsync(Wait)).Silo);
            Assert.Equal(newcomer.Silo, (await node.HostOfAsync("room-new").WaitAsync(Wait)).Silo);
        }
        Assert.Equal(1, _nodes.Count(n => n.Participants("room-0") > 0));
    }

    /// <summary>Redis, three nodes here and one process node, all four active; a room on each in-process node with a participant in it.</summary>
    private async Task StartClusterAsync(bool persistent)
    {
        if (persistent) _dataDir = Directory.CreateTempSubdirectory("confer-redis-data-").FullName;
        _redis = await RedisProcess.StartAsync(dataDir: _dataDir);
        for (var i = 0; i < 3; i++) _nodes.Add(await ClusterNode.StartAsync(_redis.Uri));
        _serve = await ServeNode.StartAsync(_redis, _nodes);
        foreach (var node in _nodes)
            Assert.True(await node.WaitActiveAsync(4, TimeSpan.FromSeconds(30)), $"{node.Name} did not see four active nodes");
        for (var i = 0; i < 3; i++)
        {
            var client = await SignalClient.ConnectAsync(_nodes[i].HttpPort, Token($"room-{i}", $"p{i}"));
            _clients.Add(client);
            await client.ExpectAsync("join", Wait);
            Assert.Equal(_nodes[i].Silo, (await _nodes[i].HostOfAsync($"room-{i}")).Silo);
        }
        // The keepers leave a table that is fine alone: its version does not move while nothing happens.
        var version = (await TableAsync()).Single(e => e.Name == "Version").Value.ToString();
        await Task.Delay(2500);
        Assert.Equal(version, (await TableAsync()).Single(e => e.Name == "Version").Value.ToString());
    }

    /// <summary>Each room-i is on node i as every in-process node sees it, and a join through the last node lands in it.</summary>
    private async Task AssertRoomsOnTheirNodesAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            var hosts = new List<string>();
            foreach (var node in _nodes) hosts.Add((await node.HostOfAsync($"room-{i}").WaitAsync(Wait)).Silo);
            output.WriteLine($"room-{i} (on node {i}) hosted by: {string.Join(", ", hosts)}");
            Assert.All(hosts, h => Assert.Equal(_nodes[i].Silo, h));
            Assert.Equal(1, _nodes.Count(n => n.Participants($"room-{i}") > 0));
        }
        await using var late = await SignalClient.ConnectAsync(_nodes[^1].HttpPort, Token("room-0", "late"));
        var join = await late.ExpectAsync("join", Wait);
        Assert.Equal(["p0"], join.GetProperty("otherParticipants").EnumerateArray().Select(p => p.GetProperty("identity").GetString()));
    }

    private async Task<HashEntry[]> TableAsync()
    {
        var options = new ConfigurationOptions { EndPoints = { { "127.0.0.1", _redis!.Port } }, ConnectTimeout = 2000, SyncTimeout = 2000 };
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        return await redis.GetDatabase().HashGetAllAsync(TableKey);
    }

    private static string Token(string room, string identity) =>
        AccessTokenBuilder.Create(ApiKeys.DevKey, ApiKeys.DevSecret, identity, new VideoGrant { Room = room, RoomJoin = true },
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
}
