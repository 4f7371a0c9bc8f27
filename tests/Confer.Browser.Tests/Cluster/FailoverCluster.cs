using System.Globalization;
using System.Net;
using Confer.Cluster.Tests.Deploy;
using Confer.Cluster.Tests.Support;
using Confer.Server.Tests.Hosting;
using Confer.Turn.Tests.Infrastructure;

namespace Confer.Browser.Tests.Cluster;

/// <summary>
/// The <c>deploy/</c> example on loopback, for browsers: a real <c>redis-server</c>, three real <c>confer serve</c>
/// processes (<c>--dev</c>: the same API keys on each, a self-signed certificate on each HTTPS port) and Debian's
/// haproxy running the shipped <c>deploy/haproxy.cfg</c> in front of their HTTPS ports. The browsers know only the
/// service's address (haproxy's); media goes straight to each node's own UDP port, as in the deployment. A node can be
/// crashed (<c>kill -9</c>) or hung (<c>SIGSTOP</c>) by its PID; disposing continues a stopped node and kills every
/// process this cluster started, by its PID, whatever happened before.
/// </summary>
internal sealed class FailoverCluster : IAsyncDisposable
{
    private const string TurnSecret = "browser-failover-turn-secret-0123456789";
    private readonly RedisProcess _redis;
    private readonly List<ConferProcess> _nodes = [];
    private readonly HashSet<int> _stopped = [];
    private HaproxyProcess? _haproxy;

    private FailoverCluster(RedisProcess redis) => _redis = redis;

    /// <summary>The service's address: haproxy's frontend.</summary>
    public string Address => $"https://127.0.0.1:{_haproxy!.Port}";

    public IReadOnlyList<ConferProcess> Nodes => _nodes;

    /// <summary>Redis, three nodes whose rooms have <paramref name="topology"/>, and haproxy once it sees every node healthy.</summary>
    public static async Task<FailoverCluster> StartAsync(string topology)
    {
        var cluster = new FailoverCluster(await RedisProcess.StartAsync());
        try
        {
            var starts = Enumerable.Range(1, 3).Select(i => StartNodeAsync(cluster._redis, i, topology)).ToList();
            try
            {
                await Task.WhenAll(starts);
            }
            finally
            {
                foreach (var start in starts.Where(s => s.IsCompletedSuccessfully)) cluster._nodes.Add(start.Result);
            }
            cluster._haproxy = await HaproxyProcess.StartAsync([.. cluster._nodes.Select(n => n.Options.HttpsPort!.Value)]);
            var deadline = Environment.TickCount64 + 30_000;
            while (!(await cluster._haproxy.NodesAsync()).Values.All(n => n.Status == "UP" && n.Check == "L7OK"))
            {
                if (Environment.TickCount64 > deadline)
                    throw new TimeoutException($"haproxy did not see three healthy nodes within 30 s:\n{cluster._haproxy.Output}");
                await Task.Delay(100);
            }
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private static Task<ConferProcess> StartNodeAsync(RedisProcess redis, int i, string topology) =>
        ConferProcess.StartAsync(new ConferProcessOptions
        {
            Dev = true,
            HttpsPort = FreePorts.FindTcp(IPAddress.Loopback),
            ExtraArguments = ["--turn-tls-port", "0", "--turn-secret", TurnSecret, "--topology", topology,
                "--cluster", redis.Uri, "--cluster-port", DrainClient.FreePort().ToString(CultureInfo.InvariantCulture), "--node-name", $"node{i}",
                "--cluster-max-cpu", "0"], // placement by where a join lands, not by the CPU of nodes still compiling their code
        });

    /// <summary>The nodes that hold a room now (their <c>confer_signaling_rooms</c> on <c>/metrics</c>, which answers callers on this host).</summary>
    public async Task<int[]> NodesHoldingARoomAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var holding = new List<int>();
        for (var i = 0; i < _nodes.Count; i++)
        {
            if (_nodes[i].HasExited || _stopped.Contains(i)) continue;
            var text = await http.GetStringAsync(new Uri(_nodes[i].HttpAddress, "metrics"));
            var line = text.Split('\n').Single(l => l.StartsWith("confer_signaling_rooms", StringComparison.Ordinal));
            if (double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture) > 0) holding.Add(i);
        }
        return [.. holding];
    }

    /// <summary>Each node's open sessions in haproxy, by node index (node1 is 0).</summary>
    public async Task<int[]> SessionsAsync()
    {
        var stats = await _haproxy!.NodesAsync();
        return [.. Enumerable.Range(1, _nodes.Count).Select(i => stats[$"node{i}"].Sessions)];
    }

    /// <summary>Node <paramref name="i"/>'s health as haproxy sees it (UP, DOWN, …).</summary>
    public async Task<string> HealthAsync(int i) => (await _haproxy!.NodesAsync())[$"node{i + 1}"].Status;

    /// <summary>
    /// haproxy sends no new socket to node <paramref name="i"/> while <paramref name="drained"/> (its admin socket's
    /// <c>state drain</c>, then <c>state ready</c>): to place a person's socket away from the room's node.
    /// </summary>
    public async Task SetDrainedAsync(int i, bool drained)
    {
        var answer = await _haproxy!.CommandAsync($"set server confer_nodes/node{i + 1} state {(drained ? "drain" : "ready")}");
        Assert.True(answer.Trim().Length == 0, $"haproxy: {answer}");
    }

    /// <summary>Sends <paramref name="signal"/> (<c>KILL</c> or <c>STOP</c>) to node <paramref name="i"/>'s process.</summary>
    public void Signal(int i, string signal)
    {
        if (signal == "STOP") _stopped.Add(i);
        DrainClient.Signal(_nodes[i].Pid, signal);
    }

    public string Output(int i) => _nodes[i].Output;

    public async ValueTask DisposeAsync()
    {
        foreach (var i in _stopped)
            if (!_nodes[i].HasExited) DrainClient.Signal(_nodes[i].Pid, "CONT");
        foreach (var node in _nodes) await node.DisposeAsync(); // SIGKILL by PID
        _haproxy?.Dispose();
        _redis.Dispose();
    }
}
