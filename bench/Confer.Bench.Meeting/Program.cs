using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Confer.Bench.Meeting;
using Confer.Server.Hosting;
using Confer.Server.Turn;
using Confer.Signaling.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

// Time from connect() to the first decoded remote frame in a two-browser call, with the SDK and
// with two bare RTCPeerConnections (SDP handed over directly), direct and relay-only, same run.
//
// What the SDK does on that path (the joiner's clock starts at connect()): WebSocket open, `join`;
// the server sends `participantJoined` to the member in the same step, and the member offers at once
// (its tracks and two data channels, so it offers even with nothing to send), from a spare peer
// connection it made beforehand (offer made and candidates gathered before anyone joined; here the
// host's spare is made right after it publishes, and was ready when the joiner came in the traced
// runs of 2026-11-24 12:44-13:22 UTC); the joiner, whose
// peer connection already exists, answers; candidates trickle both ways as found. A joiner that
// starts its camera right after connect() publishes camera and microphone in one request round and
// one renegotiation, right after its answer (no timer). Probed on 2026-11-24 05:00 UTC (load 9-15):
// joiner's ws open 11 ms, join 14-19 ms, member's offer out 75-115 ms, at the joiner 110-146 ms,
// answer out 186-242 ms, 'connected' 270-440 ms; first frame 500-770 ms after 'connected' (the
// baseline: 440-560 ms), which is where most of the remaining difference and nearly all of the
// run-to-run spread are.
// Runs (5 each, loopback-only, 2 cores shared with other work; SDK − baseline of the medians):
//   04:51 UTC, before (load 5.7 → 17.7): direct −64 ms, relay +166 ms; joiner with camera +271 / +4 ms
//   05:20 UTC, after  (load 13.4 → 19.9): direct +284 ms, relay +130 ms; joiner with camera +311 / +292 ms
//   05:53 UTC, after  (load 15.8 → 14.0): direct +251 ms (882 vs 1132), relay +79 ms (920 vs 998);
//                                          joiner with camera +311 / +441 ms
//   08:29 UTC, SDK unchanged, 7 runs (load 3.6 → 18.7): direct +200 ms (733 vs 933), relay +116 ms
//                                          (789 vs 905); joiner with camera +402 / +452 ms
//   08:53 UTC, SDK unchanged, 7 runs (load 1.8 → 9.8): direct +55 ms (752 vs 807), relay +195 ms
//                                          (734 vs 929); joiner with camera +263 / +321 ms (one relay run 7.6 s)
// At these loads the spread between runs (baseline 735-1637 ms) is larger than the difference
// being measured; the figures to trust need a quiet machine.
//
// Where the relay-only time goes (BENCH_TRACE=1, 2026-11-24 08:09-08:28 UTC, load 1-10, relay-only runs;
// medians, ms from the joiner's start; 8 runs with the SDK as it is, 37 counting the SDK variants tried below):
// - Before ICE: the joiner applies its answer at ~300 (baseline ~180). The parts: the member's peer
//   connection exists only after WebSocket open, join and participantJoined (50-130 vs 50-80 over a
//   BroadcastChannel); creating it with two data channels and two transceivers until its offer starts
//   takes ~40 (bare addTrack ×2 ~15); the offer crosses the server (+10-30); the joiner's
//   setLocalDescription(answer) takes ~96 with the server's ICE list (stun + TURN udp + TURN tcp) against ~42,
//   ~67 with the UDP TURN URL alone (BENCH_SDK_ICE=udp), so gathering set-up for the extra servers accounts for
//   about half of it and the data-channel m-section for the rest.
// - ICE: Chromium's UDP TURN Allocate often arrives 100-400 ms after its first STUN Binding to the same server
//   from the same shared socket (the server's receive calls, traced with strace, for the SDK and the baseline
//   alike; the server answers each batch before its next receive call, and the kernel's UDP counters show no
//   drops, so the wait looks like Chromium's own rather than a loss at Confer). The
//   SDK's joiner also has a TCP TURN allocation, which then completes first: its selected pair was the TCP
//   relay in 7 of 8 runs (25 of 37 with the variants); the baseline has no TCP URL and is always on UDP.
//   SDK runs on TCP: ICE+DTLS connected at 480 (533 with the variants), first frame 537 later; on UDP:
//   connected at ~700, frame ~490-520 later; baseline: connected 327 (411), frame 466 (469) later. With the
//   UDP URL alone the SDK was worse (+311 in that run): the TCP relay rescues the slow UDP allocation but
//   costs ~50-70 ms to the first frame; ICE moves to UDP afterwards (see RelayTests).
// - Tried without a gain beyond the noise: iceCandidatePoolSize 1 (the server's log shows the answerer's
//   pooled UDP and TCP allocations released unused and new ones made for its answer), the member
//   offering at once instead of on its negotiationneeded task, muted video elements.
// Knobs for such probes: BENCH_TRACE=1 prints both pages' RTCPeerConnection events as one timeline and
// the video stats after the first frame; BENCH_ONLY=relay|direct, BENCH_NO_CAMERA=1, BENCH_SDK_ICE=udp.
//   unshare -n sh -c 'ip link set lo up && dotnet run -c Release --project bench/Confer.Bench.Meeting -- [runs]'
// Chromium gathers candidates on every interface it sees, so the bench refuses to run where there is any
// interface but loopback: the calls must stay on loopback.
if (System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces().Any(i =>
        i.NetworkInterfaceType != System.Net.NetworkInformation.NetworkInterfaceType.Loopback &&
        i.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up))
{
    Console.Error.WriteLine("Confer.Bench.Meeting: run it in a loopback-only network namespace: unshare -n sh -c 'ip link set lo up && dotnet run -c Release --project bench/Confer.Bench.Meeting'");
    Environment.Exit(2);
}
var RunTimeout = TimeSpan.FromSeconds(30);
var runs = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 7;

var options = new ServerOptions { Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, Dev = true };
var app = ConferHost.Build(options, ["--Logging:LogLevel:Default=Warning"]);
options.TurnPort = app.Services.GetRequiredService<TurnEndpoints>().Port; // join hands out the bound TURN port
await app.StartAsync();
var baseUrl = ConferHost.HttpAddress(app).ToString().TrimEnd('/');
var (turnUser, turnPass) = TurnCredentials.Create(options.TurnSecret, "bench", DateTimeOffset.UtcNow.AddHours(1));
var bareIce = new[] { new { urls = new[] { $"turn:127.0.0.1:{options.TurnPort}?transport=udp" }, username = turnUser, credential = turnPass } };

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = "/usr/bin/chromium",
    Headless = true,
    Args =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required",
    ],
});

var trace = Environment.GetEnvironmentVariable("BENCH_TRACE") == "1";
// While iterating: BENCH_ONLY=relay|direct runs one path, BENCH_NO_CAMERA=1 skips the "joiner also starts its camera" column.
var only = Environment.GetEnvironmentVariable("BENCH_ONLY") ?? "";
var noCamera = Environment.GetEnvironmentVariable("BENCH_NO_CAMERA") == "1";
// Experiment knob: BENCH_SDK_ICE=udp hands the SDK only the UDP TURN URL (as the baseline gets) instead of the server's list.
var sdkIceUdpOnly = Environment.GetEnvironmentVariable("BENCH_SDK_ICE") == "udp";

// Prints both pages' traces as one timeline in ms from the joiner's `start`.
async Task PrintTraceAsync(string label, IPage host, IPage joiner)
{
    if (!trace) return;
    var h = await host.EvaluateAsync<TraceEntry[]>("() => window.__trace");
    var j = await joiner.EvaluateAsync<TraceEntry[]>("() => window.__trace");
    var start = j.FirstOrDefault(e => e.Ev == "start")?.T ?? 0;
    Console.Error.WriteLine($"  trace {label}: (start {DateTimeOffset.FromUnixTimeMilliseconds((long)start):HH:mm:ss.fff} UTC)");
    foreach (var (who, e) in h.Select(e => ("host  ", e)).Concat(j.Select(e => ("joiner", e))).Where(x => x.e.T >= start - 1).OrderBy(x => x.e.T))
        Console.Error.WriteLine($"    {e.T - start,7:0.0} {who} {e.Ev}");
    foreach (var (who, p) in new[] { ("host  ", host), ("joiner", joiner) })
        foreach (var line in await p.EvaluateAsync<string[]>("() => window.__stats()"))
            Console.Error.WriteLine($"    {who} {line}");
}

async Task<IPage> PageAsync(IBrowserContext? context = null)
{
    context ??= await browser.NewContextAsync(new BrowserNewContextOptions { Permissions = ["camera", "microphone"] });
    var page = await context.NewPageAsync();
    if (Environment.GetEnvironmentVariable("BENCH_VERBOSE") == "1") page.Console += (_, m) => Console.Error.WriteLine($"  [page] {m.Text}");
    await page.GotoAsync(baseUrl + "/healthz");
    if (trace) await page.EvaluateAsync("() => { window.__benchTrace = true; }");
    await page.EvaluateAsync(BenchScript.Source);
    return page;
}

// publishOnJoin: the joiner also starts its own camera and microphone right after connect(), as the
// README example does; the baseline's receiver captures nothing, so "sdk" (without) is the like-for-like row.
async Task<double> SdkRunAsync(bool relay, int i, bool publishOnJoin)
{
    var rtc = JsonSerializer.Serialize(relay ? (sdkIceUdpOnly ? new { iceTransportPolicy = "relay", iceServers = bareIce } : (object)new { iceTransportPolicy = "relay" }) : new { });
    var room = $"bench-{(relay ? "relay" : "direct")}-{publishOnJoin}-{i}";
    var alice = await PageAsync();
    var bob = await PageAsync();
    try
    {
        Console.Error.WriteLine($"  {room}: host joining");
        await alice.EvaluateAsync("([r, c]) => window.__bench.sdkHost(r, JSON.parse(c))", new object[] { room, rtc }).WaitAsync(RunTimeout);
        await bob.EvaluateAsync("r => window.__bench.sdkPrepare(r)", room);
        var ms = await bob.EvaluateAsync<double>("([c, p]) => window.__bench.sdkJoin(JSON.parse(c), p)", new object[] { rtc, publishOnJoin }).WaitAsync(RunTimeout);
        await PrintTraceAsync($"{room} {ms:0} ms", alice, bob);
        return ms;
    }
    finally
    {
        await bob.EvaluateAsync("() => window.__bench.leave()");
        await alice.EvaluateAsync("() => window.__bench.leave()");
        await alice.Context.CloseAsync();
        await bob.Context.CloseAsync();
    }
}

async Task<double> BareRunAsync(bool relay, int i)
{
    var rtc = JsonSerializer.Serialize(relay ? new { iceTransportPolicy = "relay", iceServers = bareIce } : (object)new { });
    var context = await browser.NewContextAsync(new BrowserNewContextOptions { Permissions = ["camera", "microphone"] });
    try
    {
        var host = await PageAsync(context);
        var guest = await PageAsync(context);
        var channel = $"bare-{relay}-{i}";
        await host.EvaluateAsync("([ch, c]) => window.__bench.bareHost(ch, JSON.parse(c))", new object[] { channel, rtc });
        var ms = await guest.EvaluateAsync<double>("([ch, c]) => window.__bench.bareJoin(ch, JSON.parse(c))", new object[] { channel, rtc }).WaitAsync(RunTimeout);
        await PrintTraceAsync($"{channel} {ms:0} ms", host, guest);
        return ms;
    }
    finally
    {
        await context.CloseAsync();
    }
}

var results = new Dictionary<string, List<double>>();
var failures = new Dictionary<string, int>();
async Task AddAsync(string key, Func<Task<double>> run)
{
    if (!results.ContainsKey(key)) results[key] = [];
    try { results[key].Add(await run()); }
    catch (TimeoutException)
    {
        failures[key] = failures.GetValueOrDefault(key) + 1;
        Console.Error.WriteLine($"  {key}: no remote frame within {RunTimeout.TotalSeconds:0} s (counted as a failure)");
    }
}

// Warm-up (first camera start, module cache), not counted.
await AddAsync("warm-up", () => SdkRunAsync(false, -1, true));
await AddAsync("warm-up", () => BareRunAsync(false, -1));

var sw = Stopwatch.StartNew();
for (var i = 0; i < runs; i++)
{
    // Interleaved so a busy moment on the machine hits every mode alike.
    foreach (var relay in only switch { "relay" => new[] { true }, "direct" => [false], _ => [false, true] })
    {
        var mode = relay ? "relay" : "direct";
        await AddAsync($"baseline {mode}", () => BareRunAsync(relay, i));
        await AddAsync($"sdk {mode}", () => SdkRunAsync(relay, i, false));
        if (!noCamera) await AddAsync($"sdk+camera {mode}", () => SdkRunAsync(relay, i, true));
        else results[$"sdk+camera {mode}"] = [double.NaN];
        Console.Error.WriteLine($"run {i + 1}/{runs} {mode}: baseline {results[$"baseline {mode}"].LastOrDefault():0} ms, sdk {results[$"sdk {mode}"].LastOrDefault():0} ms, sdk+camera {results[$"sdk+camera {mode}"].LastOrDefault():0} ms");
    }
}

static double Median(List<double> xs) { if (xs.Count == 0) return double.NaN; var s = xs.Order().ToList(); return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2; }

Console.WriteLine($"Time from connect() to the first decoded remote frame, {runs} runs each ({sw.Elapsed.TotalSeconds:0} s, {Environment.ProcessorCount} cores)");
Console.WriteLine();
Console.WriteLine("| path | baseline median / worst | SDK median / worst | SDK − baseline | SDK, joiner also starts its camera: median / worst | − baseline |");
Console.WriteLine("|------|------------------------:|-------------------:|---------------:|---------------------------------------------------:|-----------:|");
foreach (var mode in new[] { "direct", "relay" }.Where(m => results.ContainsKey($"baseline {m}")))
{
    var b = results[$"baseline {mode}"];
    var s = results[$"sdk {mode}"];
    var c = results[$"sdk+camera {mode}"];
    Console.WriteLine($"| {mode} | {Median(b):0} / {b.Max():0} ms | {Median(s):0} / {s.Max():0} ms | {Median(s) - Median(b):+0;-0} ms | {Median(c):0} / {c.Max():0} ms | {Median(c) - Median(b):+0;-0} ms |");
}

if (failures.Count > 0) Console.WriteLine($"\nRuns without a frame within {RunTimeout.TotalSeconds:0} s: {string.Join(", ", failures.Select(f => $"{f.Key} {f.Value}"))}");
await app.StopAsync();

internal sealed class TraceEntry
{
    public double T { get; set; }
    public string Ev { get; set; } = "";
}
