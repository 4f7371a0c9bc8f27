using System.Net;
using System.Globalization;
using Confer.Bench.Sfu;
using Confer.Bench.Sfu.ConferSide;
using Confer.Bench.Sfu.JanusSide;
using Confer.Bench.Sfu.Rtc;

// The SFU benchmark (issue 12, item 8): the same load client (Confer's own ICE, DTLS and SRTP code) against
// `confer serve --topology sfu` and Janus 1.1 VideoRoom, side by side, row by row. See README.md.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var only = Text("--only", "confer,janus").Split(',');
var rows = Text("--rows", "10,25,50,live").Split(',');
int viewers = Number("--viewers", 500);
var warmup = TimeSpan.FromSeconds(Number("--warmup", 4));
var measure = TimeSpan.FromSeconds(Number("--measure", 10));
RowRunner.Verbose = args.Contains("--verbose");
ReceiveStats.SampleEvery = Number("--sample-every", 8);
string dll = Text("--server-dll", "") is { Length: > 0 } given ? given : ConferServer.FindDll();

var specs = rows.Select(r => r switch
{
    "live" => new RowSpec("live", 1, viewers, SyntheticPublisher.Layers[1]),
    _ when int.TryParse(r, out int n) => new RowSpec($"room{n}", n, 0, SyntheticPublisher.Layers[n <= 10 ? 1 : 0]),
    _ => throw new ArgumentException($"unknown row {r}"),
}).ToList();

Console.WriteLine($"sfu bench {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load {RowRunner.LoadAverage()}");
Console.WriteLine($"rows {string.Join(", ", specs.Select(s => s.Name))}; warm-up {warmup.TotalSeconds} s, measured {measure.TotalSeconds} s each; servers {string.Join(", ", only)}");
var results = new List<RowResult>();
string janusConfig = Path.Combine(Path.GetTempPath(), $"confer-bench-janus-{Environment.ProcessId}");
foreach (var spec in specs)
{
    foreach (var name in only)
    {
        await using var server = name switch
        {
            "confer" => await ConferServer.StartAsync(dll),
            "janus" => await JanusServer.StartAsync(janusConfig),
            _ => throw new ArgumentException($"unknown server {name}"),
        };
        var join = name == "janus" ? JanusServer.Joiner(server) : ConferServer.Joiner(server);
        var result = await RowRunner.RunAsync(server, spec, join, name == "janus" ? JanusServer.Address : IPAddress.Loopback, warmup, measure);
        results.Add(result);
        Print(result);
    }
}
if (Directory.Exists(janusConfig)) Directory.Delete(janusConfig, recursive: true);
Console.WriteLine();
Console.WriteLine($"done {DateTime.UtcNow:HH:mm} UTC, load {RowRunner.LoadAverage()}");
return 0;

static void Print(RowResult r)
{
    var t = r.Totals;
    Console.WriteLine($"{r.Spec.Name,-7} {r.Server,-6} joined {r.Joined}/{r.Spec.Participants}, down-tracks {t.DownTracks}/{r.Spec.ExpectedDownTracks} (setup {r.SetupSeconds:0.0} s), client cpu {r.ClientCpuSeconds:0.00} s");
    Console.WriteLine($"        {r.PacketsPerSecond,9:0} pkt/s {r.Mbps,7:0.0} Mb/s  cpu {r.CpuSeconds,5:0.00} s in {r.Seconds:0.0} s  {r.PacketsPerCpuSecond,8:0} pkt/cpu-s  " +
                      $"{r.DownTracksPerCore,6:0} down-tracks/core  loss {t.LossPercent:0.000}%  delay p50 {t.DelayMillis(0.5):0.00} ms p99 {t.DelayMillis(0.99):0.00} ms  load {r.Load}");
    if (t.AuthFailures > 0) Console.WriteLine($"        {t.AuthFailures} packets failed SRTP authentication");
    foreach (var p in r.Problems) Console.WriteLine($"        problem: {p}");
}

string Text(string flag, string fallback)
{
    int at = Array.IndexOf(args, flag);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}

int Number(string flag, int fallback) => int.TryParse(Text(flag, ""), out int n) ? n : fallback;
