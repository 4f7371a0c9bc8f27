using System.Globalization;
using Confer.Bench.Turn;
using Confer.Turn.Tests.Infrastructure;
using Confer.Turn.Tests.TurnInterop;

// The TURN benchmark: the same turnutils_uclient workloads against Confer and against coturn, both started side by side
// on loopback in this run, relaying to one turnutils_peer echo peer. Prints messages/s, Mbps, average RTT and server CPU
// seconds (from /proc/PID/stat) for each, and the ratios; RTT from the bench's own client (uclient's is whole ms). Goal: relayed throughput per server CPU-second ≥ 1.2× coturn,
// RTT no worse. Usage: dotnet run -c Release --project bench/Confer.Bench.Turn [-- --quick] [--only udp-channels,tcp-channels]

const string User = "bench";
const string Password = "bench-pass";
const string Realm = "bench.example.org";
bool quick = args.Contains("--quick");
// --only NAME[,NAME]: just those workloads (and the RTT probe), for quick A/B runs while iterating.
int onlyAt = Array.IndexOf(args, "--only");
var only = onlyAt >= 0 && onlyAt + 1 < args.Length ? args[onlyAt + 1].Split(',') : null;

foreach (var tool in new[] { "turnserver", "turnutils_uclient", "turnutils_peer" })
{
    if (!ExternalCommand.Exists(tool))
    {
        Console.Error.WriteLine($"{tool} is missing: apt-get install coturn (test.sh does it).");
        return 2;
    }
}

Console.WriteLine($"TURN bench {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {LoadAverage()}{(quick ? ", quick" : "")}");

await using var peer = await TurnutilsPeer.StartAsync();
await using var coturn = await CoturnProcess.StartAsync(new CoturnProcessOptions
{
    ExtraArguments = ["--relay-ip=127.0.0.1", "--lt-cred-mech", $"--user={User}:{Password}", $"--realm={Realm}", "--fingerprint", "--allow-loopback-peers"],
});
await using var confer = await ConferProcess.StartAsync(new ConferProcessOptions
{
    // No bandwidth cap (confer's default is 2.5 MB/s per allocation; coturn has none): the bench measures throughput.
    ExtraArguments = ["--turn-user", $"{User}:{Password}", "--realm", Realm, "--allow-loopback-peers", "--max-bps", "0"],
});
Console.WriteLine($"confer pid {confer.Pid} on {confer.StunEndPoint}; coturn pid {coturn.Pid} on {coturn.StunEndPoint}; peer on {peer.IPv4}");

var servers = new (string Name, int Pid, System.Net.IPEndPoint EndPoint)[]
{
    ("confer", confer.Pid, confer.StunEndPoint),
    ("coturn", coturn.Pid, coturn.StunEndPoint),
};

// Warm-up, not measured: six short runs (a tenth of a workload each, cycling through the selected workloads) against
// each server, so what is measured is the steady state of a server that has been running. Confer's JIT tiers a path's
// methods up in waves as its call counts grow (the per-allocation paths run only 40 times per run); with a single
// warm-up run it was still compiling at the start of each measured run (about 0.3 s of its CPU). coturn has no JIT
// and gets the same warm-up.
var selected = Workload.All(quick: false).Where(w => only is null || only.Contains(w.Name)).ToList();
for (int round = 0; round < 6 && selected.Count > 0; round++)
{
    var workload = selected[round % selected.Count];
    var warmUp = workload with { Name = "warm-up " + workload.Name, Messages = workload.Messages / 10 };
    foreach (var server in servers)
    {
        var m = await Measurement.RunAsync(server.Name, server.Pid, warmUp, warmUp.Options(server.EndPoint, peer.IPv4, User, Password));
        if (m.Failed) Console.WriteLine($"{warmUp.Name} {m.Row().Trim()}");
    }
}

var results = new List<(Measurement Confer, Measurement Coturn)>();
int index = 0;
foreach (var workload in Workload.All(quick).Where(w => only is null || only.Contains(w.Name)))
{
    Console.WriteLine();
    Console.WriteLine($"{workload.Name}: uclient {workload.Flags}{(quick ? " (quick)" : "")}");
    // Alternate which server goes first, so neither always meets a warmer or colder machine.
    var order = index++ % 2 == 0 ? servers : [.. servers.Reverse()];
    var measured = new Dictionary<string, Measurement>();
    foreach (var server in order)
    {
        var m = await Measurement.RunAsync(server.Name, server.Pid, workload, workload.Options(server.EndPoint, peer.IPv4, User, Password));
        measured[server.Name] = m;
        Console.WriteLine(m.Row());
    }
    var pair = (measured["confer"], measured["coturn"]);
    results.Add(pair);
    Console.WriteLine(Ratios(pair.Item1, pair.Item2));
}

// RTT: uclient counts whole milliseconds, so the bench's own client measures sequential round trips in µs.
Console.WriteLine();
int pings = quick ? 500 : 2000;
Console.WriteLine($"rtt: own client, {pings} sequential 100-byte ChannelData round trips over UDP to the echo peer per server, the servers taking turns");
var rtts = await RttProbe.RunInterleavedAsync([.. servers.Select(s => (s.Name, s.EndPoint))], peer.IPv4, User, Password, pings, TimeSpan.FromSeconds(120));
foreach (var server in servers) Console.WriteLine($"  {server.Name,-7} {rtts[server.Name]}");

Console.WriteLine();
Console.WriteLine("summary (confer ÷ coturn):");
bool goal = true;
foreach (var (c, t) in results)
{
    double ratio = c.MegabitsPerCpuSecond / t.MegabitsPerCpuSecond;
    bool ok = !c.Failed && !t.Failed && ratio >= 1.2;
    goal &= ok;
    Console.WriteLine($"  {c.Workload.Name,-13} relayed throughput per server CPU-second {(c.Failed || t.Failed ? "n/a (a run failed)" : Format(ratio) + "×")}  (goal ≥ 1.2×: {(ok ? "met" : "not met")})");
}
var (conferRtt, coturnRtt) = (rtts["confer"], rtts["coturn"]);
bool rttOk = conferRtt.Failure is null && coturnRtt.Failure is null && conferRtt.MedianMicroseconds <= coturnRtt.MedianMicroseconds;
Console.WriteLine($"  rtt           median {Format(conferRtt.MedianMicroseconds / coturnRtt.MedianMicroseconds)}×, mean {Format(conferRtt.MeanMicroseconds / coturnRtt.MeanMicroseconds)}×  (goal no worse: {(rttOk ? "met" : "not met")})");
Console.WriteLine($"goal {(goal && rttOk ? "MET" : "NOT MET")}; load average at the end {LoadAverage()}");
return 0;

static string Ratios(Measurement confer, Measurement coturn)
{
    if (confer.Failed || coturn.Failed) return "  ratio   n/a (a run failed)";
    string msgs = Format(confer.MessagesPerSecond / coturn.MessagesPerSecond), mbps = Format(confer.Mbps / coturn.Mbps);
    string cpu = Format(confer.ServerCpuSeconds / coturn.ServerCpuSeconds), perCpu = Format(confer.MegabitsPerCpuSecond / coturn.MegabitsPerCpuSecond);
    string rtt = Format((confer.Output.AverageRttMs ?? double.NaN) / (coturn.Output.AverageRttMs ?? double.NaN));
    return $"  ratio   msg/s {msgs}×  Mbps {mbps}×  cpu {cpu}×  Mb/cpu-s {perCpu}×  rtt {rtt}×";
}

static string Format(double ratio) => double.IsFinite(ratio) ? ratio.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";

static string LoadAverage()
{
    try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
    catch (IOException) { return "?"; }
}
