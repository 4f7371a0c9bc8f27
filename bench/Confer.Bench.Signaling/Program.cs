using Confer.Bench.Signaling;
using Confer.Signaling.Auth;

// Signaling load: N real WebSocket participants in rooms of S against `confer serve` in processes of its own: one node
// alone (the baseline), then, with --nodes K (K > 1), the same load spread over a cluster of K nodes on a Redis of the
// bench's own, in the same run. Reports join latency, fan-out latency, memory and CPU, the hop's extra latency, and the
// cluster's ratios to one node. Every loop is bounded in count and time. See README.md in this folder.

var participants = Arg("--participants", 1000);
var roomSize = Arg("--room-size", 50);
var nodeCount = Arg("--nodes", 1);
var settings = new RunSettings(participants, roomSize, Arg("--rounds", 20), Arg("--join-concurrency", 16), Arg("--round-ms", 1000), Arg("--hop-messages", 100));
var skipBaseline = Array.IndexOf(args, "--no-baseline") >= 0;
var dll = ArgString("--server-dll") ?? FindServerDll();
const string Key = "bench", Secret = "bench-secret-bench-secret-bench-secret";

if (participants < 2 || roomSize < 2 || nodeCount is < 1 or > 9) { Console.Error.WriteLine("need --participants >= 2, --room-size >= 2 and --nodes from 1 to 9"); return 2; }
Console.WriteLine($"signaling bench: {participants} participants in rooms of {roomSize}, join concurrency {settings.Concurrency}, {settings.Rounds} fan-out rounds, nodes: 1" + (nodeCount > 1 ? $" then {nodeCount}" : ""));
Console.WriteLine($"server: {dll}; started {DateTime.UtcNow:u}, load {ProcStat.LoadAverage()}");

Uri Url(ServerProcess node, string room, string identity)
{
    var token = AccessTokenBuilder.Create(Key, Secret, identity, new VideoGrant { Room = room, RoomJoin = true }, DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
    return new Uri($"{new UriBuilder(node.Http) { Scheme = "ws", Path = "/rtc" }.Uri}?access_token={token}");
}

var results = new List<RunResult>();
if (nodeCount == 1 || !skipBaseline)
{
    await using var single = await ServerProcess.StartAsync(dll, Key, Secret, "alone", null);
    var r = await new SignalingRun([single], null, settings, Url).RunAsync("1 node");
    r.Print();
    results.Add(r);
}
if (nodeCount > 1)
{
    // One run's nodes are gone before the next starts: they would share the 2 cores otherwise.
    await using var redis = await RedisServer.StartAsync();
    var nodes = new List<ServerProcess>();
    try
    {
        foreach (var task in Enumerable.Range(0, nodeCount).Select(i => ServerProcess.StartAsync(dll, Key, Secret, $"n{i}", redis.Uri)).ToList())
            nodes.Add(await task);
        await Task.Delay(5000); // membership: every node sees the others (probes, the table re-read every 2 s)
        var r = await new SignalingRun(nodes, redis.Pid, settings, Url).RunAsync($"{nodeCount} nodes");
        r.Print();
        results.Add(r);
    }
    finally
    {
        foreach (var n in nodes) await n.DisposeAsync();
    }
}
RunResult.PrintTable(results);
Console.WriteLine($"finished {DateTime.UtcNow:u}, load {ProcStat.LoadAverage()}");
return results.All(r => r.Ok) ? 0 : 1;

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
}

string? ArgString(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string FindServerDll()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Confer.slnx"))) dir = dir.Parent;
    if (dir is null) throw new InvalidOperationException("run from the repository or pass --server-dll");
    var config = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
    return Path.Combine(dir.FullName, "src", "Confer.Server", "bin", config, "net10.0", "confer.dll");
}
