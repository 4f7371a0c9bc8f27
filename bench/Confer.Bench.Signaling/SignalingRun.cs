using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Confer.Bench.Signaling;

/// <summary>What one run is asked to do.</summary>
internal sealed record RunSettings(int Participants, int RoomSize, int Rounds, int Concurrency, int RoundMs, int HopMessages);

/// <summary>
/// One run against one or more nodes: join everyone (participant i's socket on node i mod nodes, so in a cluster most
/// participants' rooms are on another node than their socket), then fan-out rounds; with two nodes or more, the hop
/// probe idle (before the joins) and loaded (during the fan-out). Every loop is bounded in count and time.
/// </summary>
internal sealed class SignalingRun(IReadOnlyList<ServerProcess> nodes, int? redisPid, RunSettings s, Func<ServerProcess, string, string, Uri> url)
{
    public async Task<RunResult> RunAsync(string mode)
    {
        var rooms = (s.Participants + s.RoomSize - 1) / s.RoomSize;
        Console.WriteLine($"[{mode}] {s.Participants} participants over {nodes.Count} node(s), {rooms} rooms of {s.RoomSize}; load {ProcStat.LoadAverage()}");
        ServerProcess NodeOf(int i) => nodes[i % nodes.Count];

        // Warm-up: JIT and first-use allocations in the servers (and this process), not counted; through every node.
        for (var batch = 0; batch < 10; batch++)
        {
            var warm = new List<BenchClient>();
            for (var i = 0; i < 20; i++)
            {
                var c = new BenchClient(0, i);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await c.JoinAsync(url(NodeOf(i + batch), $"warmup-{batch}", $"w{i}"), cts.Token);
                warm.Add(c);
            }
            await warm[0].SendAsync("{\"type\":\"data\",\"payload\":\"warm\"}");
            await Task.Delay(100);
            foreach (var c in warm) await c.CloseAsync();
        }
        await Task.Delay(3000);
        // What the nodes (and Redis) burn with nobody in them: a cluster's membership probes and load polls.
        var idleBefore = Cpu();
        var idleClock = Stopwatch.StartNew();
        await Task.Delay(5000);
        var idleCpuPerSecond = (Cpu() - idleBefore) / idleClock.Elapsed.TotalSeconds;

        HopProbe? probe = null;
        HopResult? hopIdle = null, hopLoaded = null;
        if (nodes.Count > 1 && s.HopMessages > 0)
        {
            probe = new HopProbe();
            await probe.JoinAsync(nodes[0], nodes[1], url);
            if (!probe.RoomOnFirstNode) Console.WriteLine("hop probe: the probe room did not stay on the first node; its figures are not a clean hop");
            hopIdle = await probe.MeasureAsync(s.HopMessages, "idle", TimeSpan.FromSeconds(60));
            Console.WriteLine($"[{mode}] hop, idle: {hopIdle}");
        }

        // Tokens are minted before the clock starts: token creation is the app server's cost, not the join's.
        var urls = Enumerable.Range(0, s.Participants).Select(i => url(NodeOf(i), $"room-{i / s.RoomSize}", $"p{i}")).ToArray();
        var rssBefore = nodes.Select(n => n.ResidentBytes()).ToArray();
        var cpuBefore = Cpu();

        var clients = new BenchClient[s.Participants];
        using var stop = new CancellationTokenSource();
        var pinger = Task.Run(() => PingAsync(clients, stop.Token));

        var joinLatencies = new double[s.Participants];
        var joinFailures = 0;
        var next = -1;
        var joinClock = Stopwatch.StartNew();
        using (var joinDeadline = new CancellationTokenSource(TimeSpan.FromMinutes(10)))
        {
            await Task.WhenAll(Enumerable.Range(0, s.Concurrency).Select(async _ =>
            {
                while (true)
                {
                    var i = Interlocked.Increment(ref next);
                    if (i >= s.Participants || joinDeadline.IsCancellationRequested) return;
                    var c = clients[i] = new BenchClient(i / s.RoomSize, i % s.RoomSize);
                    try { joinLatencies[i] = (await c.JoinAsync(urls[i], joinDeadline.Token)).TotalMilliseconds; }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        joinLatencies[i] = double.NaN;
                        if (Interlocked.Increment(ref joinFailures) <= 3) Console.Error.WriteLine($"join {i} failed: {e.GetBaseException().Message}");
                    }
                    if ((i + 1) % 5000 == 0) Console.WriteLine($"[{mode}] {i + 1} joins asked for after {joinClock.Elapsed.TotalSeconds:F0} s");
                }
            }));
        }
        var joinSeconds = joinClock.Elapsed.TotalSeconds;
        var cpuJoin = Cpu() - cpuBefore;
        await Task.Delay(2000);
        var rssAfter = nodes.Select(n => n.ResidentBytes()).ToArray();

        // Fan-out: each round, one member of every room sends a data message; everyone else in the room times its arrival.
        var deliveries = new ConcurrentBag<double>();
        var perMessage = new ConcurrentDictionary<string, (int Count, double Max)>();
        foreach (var c in clients)
        {
            if (c is null) continue;
            c.OnData = (payload, now) =>
            {
                var parts = payload.Split(':');
                if (parts.Length != 3) return;
                var ms = Stopwatch.GetElapsedTime(long.Parse(parts[2], CultureInfo.InvariantCulture), now).TotalMilliseconds;
                deliveries.Add(ms);
                perMessage.AddOrUpdate($"{parts[0]}:{parts[1]}", (1, ms), (_, v) => (v.Count + 1, Math.Max(v.Max, ms)));
            };
        }
        var expectedPerMessage = new Dictionary<int, int>();
        for (var r = 0; r < rooms; r++) expectedPerMessage[r] = Math.Min(s.RoomSize, s.Participants - r * s.RoomSize) - 1;
        var cpuFanBefore = Cpu();
        var gap = TimeSpan.FromMilliseconds((double)s.RoundMs / rooms);
        var fanClock = Stopwatch.StartNew();
        var loadedProbe = probe is null ? Task.FromResult<HopResult?>(null)
            : Task.Run(async () => (HopResult?)await probe.MeasureAsync(s.HopMessages, "loaded", TimeSpan.FromMilliseconds(s.Rounds * s.RoundMs)));
        for (var round = 0; round < s.Rounds; round++)
        {
            for (var r = 0; r < rooms; r++)
            {
                var members = expectedPerMessage[r] + 1;
                var sender = clients[r * s.RoomSize + round % members];
                var due = TimeSpan.FromMilliseconds(round * s.RoundMs) + gap * r;
                var wait = due - fanClock.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                if (sender is not null) _ = sender.SendAsync($"{{\"type\":\"data\",\"payload\":\"{r}:{round}:{Stopwatch.GetTimestamp()}\"}}");
            }
        }
        var expected = s.Rounds * expectedPerMessage.Values.Sum();
        var settle = Stopwatch.StartNew();
        while (deliveries.Count < expected && settle.Elapsed < TimeSpan.FromSeconds(15)) await Task.Delay(50);
        var fanSeconds = fanClock.Elapsed.TotalSeconds;
        var cpuFan = Cpu() - cpuFanBefore;
        try { hopLoaded = await loadedProbe.WaitAsync(TimeSpan.FromSeconds(60)); }
        catch (TimeoutException) { Console.WriteLine($"[{mode}] hop probe during the fan-out did not finish within 60 s of its end"); }
        if (hopLoaded is not null) Console.WriteLine($"[{mode}] hop, during the fan-out: {hopLoaded}");
        stop.Cancel();
        try { await pinger.WaitAsync(TimeSpan.FromSeconds(30)); }
        catch (TimeoutException) { Console.WriteLine($"[{mode}] the pinger did not stop within 30 s (a send to a server that reads no more)"); }

        var failed = clients.Where(c => c is null || c.Failed).ToArray();
        await Task.WhenAll(clients.Where(c => c is not null).Select(c => c.CloseAsync()));
        if (probe is not null) await probe.CloseAsync();

        var detail = failed.Length == 0 ? "" : string.Join(", ", failed.GroupBy(c => c?.CloseCode)
            .Select(g => $"{g.Count()} x close {g.Key?.ToString(CultureInfo.InvariantCulture) ?? "none"}"));
        return new RunResult(mode, nodes.Select(n => n.Name).ToArray(), s, joinLatencies.Where(d => !double.IsNaN(d)).ToArray(), joinFailures, joinSeconds,
            [.. deliveries], perMessage.Where(kv => kv.Value.Count == expectedPerMessage[int.Parse(kv.Key.Split(':')[0], CultureInfo.InvariantCulture)]).Select(kv => kv.Value.Max).ToArray(),
            expected, rooms * s.Rounds, rssBefore, rssAfter, idleCpuPerSecond, cpuJoin, cpuFan, fanSeconds, failed.Length, detail, hopIdle, hopLoaded);

        double Cpu() => nodes.Sum(n => n.CpuSeconds()) + (redisPid is { } p ? ProcStat.CpuSeconds(p) : 0);
    }

    // Keep everyone alive: a ping per participant every 10 s (the server's timeout is 15 s), paced in slices of 100 ms
    // so pings arrive evenly, as they would from independent browsers.
    private async Task PingAsync(BenchClient[] clients, CancellationToken stop)
    {
        const int Slices = 100;
        var cycle = Stopwatch.StartNew();
        for (var slice = 0L; !stop.IsCancellationRequested; slice++)
        {
            var from = (int)(slice % Slices * s.Participants / Slices);
            var to = (int)((slice % Slices + 1) * s.Participants / Slices);
            for (var i = from; i < to; i++)
                if (clients[i] is { Joined: true } c)
                    await c.SendAsync($"{{\"type\":\"ping\",\"timestamp\":{Environment.TickCount64},\"lastSeen\":{c.LastSeen}}}");
            var left = TimeSpan.FromMilliseconds((slice + 1) * 100) - cycle.Elapsed;
            if (left > TimeSpan.Zero) { try { await Task.Delay(left, stop); } catch (OperationCanceledException) { return; } }
        }
    }
}
