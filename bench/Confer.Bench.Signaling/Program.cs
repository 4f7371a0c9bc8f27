using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Confer.Bench.Signaling;
using Confer.Signaling.Auth;

// Signaling load: N real WebSocket participants in rooms of S against `confer serve` in its own process.
// Reports join latency, fan-out latency (one sends a data message, the others receive it) and server
// memory per participant. Every loop is bounded in count and time.

var participants = Arg("--participants", 1000);
var roomSize = Arg("--room-size", 50);
var rounds = Arg("--rounds", 20);
var concurrency = Arg("--join-concurrency", 16);
var roundMs = Arg("--round-ms", 1000);
var dll = ArgString("--server-dll") ?? FindServerDll();
const string Key = "bench", Secret = "bench-secret-bench-secret-bench-secret";

if (participants < 2 || roomSize < 2) { Console.Error.WriteLine("need --participants >= 2 and --room-size >= 2"); return 2; }
var rooms = (participants + roomSize - 1) / roomSize;
Console.WriteLine($"signaling bench: {participants} participants, {rooms} rooms of {roomSize}, join concurrency {concurrency}, {rounds} fan-out rounds");
Console.WriteLine($"server: {dll}");

await using var server = await ServerProcess.StartAsync(dll, Key, Secret);
var rtcBase = new UriBuilder(server.Http) { Scheme = "ws", Path = "/rtc" }.Uri;
Uri RtcFor(string room, string identity)
{
    var token = AccessTokenBuilder.Create(Key, Secret, identity, new VideoGrant { Room = room, RoomJoin = true }, DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
    return new Uri($"{rtcBase}?access_token={token}");
}

// Warm-up: JIT and first-use allocations in the server (and this process), not counted.
for (var batch = 0; batch < 10; batch++)
{
    var warm = new List<BenchClient>();
    for (var i = 0; i < 20; i++)
    {
        var c = new BenchClient(0, i);
        await c.JoinAsync(RtcFor($"warmup-{batch}", $"w{i}"), CancellationToken.None);
        warm.Add(c);
    }
    await warm[0].SendAsync("{\"type\":\"data\",\"payload\":\"warm\"}");
    foreach (var c in warm) await c.CloseAsync();
}
// Tokens are minted before the clock starts: token creation is the app server's cost, not the join's.
var urls = Enumerable.Range(0, participants).Select(i => RtcFor($"room-{i / roomSize}", $"p{i}")).ToArray();
await Task.Delay(3000);
var rssBefore = server.ResidentBytes();
var cpuBefore = server.CpuSeconds();

// Join everyone, `concurrency` joins in flight at a time.
var clients = new BenchClient[participants];
var joinLatencies = new double[participants];
var joinFailures = 0;
var next = -1;
var joinClock = Stopwatch.StartNew();
using (var joinDeadline = new CancellationTokenSource(TimeSpan.FromMinutes(5)))
{
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        while (true)
        {
            var i = Interlocked.Increment(ref next);
            if (i >= participants || joinDeadline.IsCancellationRequested) return;
            var c = clients[i] = new BenchClient(i / roomSize, i % roomSize);
            try { joinLatencies[i] = (await c.JoinAsync(urls[i], joinDeadline.Token)).TotalMilliseconds; }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                joinLatencies[i] = double.NaN;
                if (Interlocked.Increment(ref joinFailures) <= 3) Console.Error.WriteLine($"join {i} failed: {e.GetBaseException().Message}");
            }
        }
    }));
}
var joinSeconds = joinClock.Elapsed.TotalSeconds;
var cpuJoin = server.CpuSeconds() - cpuBefore;
await Task.Delay(2000);
var rssAfter = server.ResidentBytes();

// Keep everyone alive: a ping per participant every 5 s, spread out.
using var stop = new CancellationTokenSource();
var pinger = Task.Run(async () =>
{
    while (!stop.IsCancellationRequested)
    {
        var started = Stopwatch.GetTimestamp();
        foreach (var c in clients)
        {
            if (stop.IsCancellationRequested) return;
            if (c is not null) await c.SendAsync($"{{\"type\":\"ping\",\"timestamp\":{Environment.TickCount64},\"lastSeen\":{c.LastSeen}}}");
        }
        var left = TimeSpan.FromSeconds(5) - Stopwatch.GetElapsedTime(started);
        if (left > TimeSpan.Zero) { try { await Task.Delay(left, stop.Token); } catch (OperationCanceledException) { return; } }
    }
});

// Fan-out: each round, one member of every room sends a data message; everyone else in the room times its arrival.
var deliveries = new ConcurrentBag<double>();
var perMessage = new ConcurrentDictionary<string, (int Count, double Max)>();
foreach (var c in clients)
{
    if (c is null) continue;
    c.OnData = (payload, now) =>
    {
        var parts = payload.Split(':');
        var ms = Stopwatch.GetElapsedTime(long.Parse(parts[2], CultureInfo.InvariantCulture), now).TotalMilliseconds;
        deliveries.Add(ms);
        perMessage.AddOrUpdate($"{parts[0]}:{parts[1]}", (1, ms), (_, v) => (v.Count + 1, Math.Max(v.Max, ms)));
    };
}
var expectedPerMessage = new Dictionary<int, int>();
for (var r = 0; r < rooms; r++) expectedPerMessage[r] = Math.Min(roomSize, participants - r * roomSize) - 1;
var cpuFanBefore = server.CpuSeconds();
var gap = TimeSpan.FromMilliseconds((double)roundMs / rooms);
var fanClock = Stopwatch.StartNew();
for (var round = 0; round < rounds; round++)
{
    for (var r = 0; r < rooms; r++)
    {
        var members = expectedPerMessage[r] + 1;
        var sender = clients[r * roomSize + round % members];
        var due = TimeSpan.FromMilliseconds(round * roundMs) + gap * r;
        var wait = due - fanClock.Elapsed;
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        _ = sender.SendAsync($"{{\"type\":\"data\",\"payload\":\"{r}:{round}:{Stopwatch.GetTimestamp()}\"}}");
    }
}
var expected = rounds * expectedPerMessage.Values.Sum();
var settle = Stopwatch.StartNew();
while (deliveries.Count < expected && settle.Elapsed < TimeSpan.FromSeconds(15)) await Task.Delay(50);
var cpuFan = server.CpuSeconds() - cpuFanBefore;
stop.Cancel();
await pinger.WaitAsync(TimeSpan.FromSeconds(10));

var failed = clients.Count(c => c is null || c.Failed);
await Task.WhenAll(clients.Where(c => c is not null).Select(c => c.CloseAsync()));

var joins = joinLatencies.Where(d => !double.IsNaN(d)).ToArray();
var complete = perMessage.Where(kv => kv.Value.Count == expectedPerMessage[int.Parse(kv.Key.Split(':')[0], CultureInfo.InvariantCulture)]).Select(kv => kv.Value.Max).ToArray();
var perParticipant = (rssAfter - rssBefore) / (double)participants;

Console.WriteLine();
Console.WriteLine($"joins: {joins.Length}/{participants} ok in {joinSeconds:F1} s ({joins.Length / joinSeconds:F0}/s); join latency p50 {P(joins, 50):F1} ms, p99 {P(joins, 99):F1} ms, max {joins.DefaultIfEmpty().Max():F1} ms");
Console.WriteLine($"fan-out: {deliveries.Count}/{expected} deliveries; per delivery p50 {P([.. deliveries], 50):F1} ms, p99 {P([.. deliveries], 99):F1} ms");
Console.WriteLine($"fan-out: {complete.Length}/{rounds * rooms} messages reached the whole room; last member p50 {P(complete, 50):F1} ms, p99 {P(complete, 99):F1} ms");
Console.WriteLine($"server memory: RSS {rssBefore / 1048576.0:F0} MiB -> {rssAfter / 1048576.0:F0} MiB = {perParticipant / 1024:F1} KiB per participant");
Console.WriteLine($"server CPU: {cpuJoin:F1} s during joins, {cpuFan:F1} s during {fanClock.Elapsed.TotalSeconds:F0} s of fan-out");
Console.WriteLine($"connections failed or closed by the server: {failed}");
Console.WriteLine($"| {participants} | {roomSize} | {P(joins, 50):F1} | {P(joins, 99):F1} | {P(complete, 50):F1} | {P(complete, 99):F1} | {P([.. deliveries], 99):F1} | {perParticipant / 1024:F0} KiB |");
return joinFailures == 0 && failed == 0 && deliveries.Count == expected ? 0 : 1;

static double P(double[] values, int percentile)
{
    if (values.Length == 0) return double.NaN;
    Array.Sort(values);
    var rank = (int)Math.Ceiling(percentile / 100.0 * values.Length) - 1;
    return values[Math.Clamp(rank, 0, values.Length - 1)];
}

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
