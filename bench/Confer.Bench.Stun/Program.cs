using System.Diagnostics;
using System.Globalization;
using System.Net;
using Confer.Bench.Stun;
using Confer.Turn.Tests.Infrastructure;

// STUN Binding requests per second: Confer and coturn's turnserver side by side on loopback, measured with the
// same load generator in the same run. A benchmark, not a test: it prints figures and never fails on them.
//
//   dotnet run -c Release --project bench/Confer.Bench.Stun [-- --duration 10 --warmup 3 --sockets 8 --window 32 --rounds 2]

var options = BenchOptions.Parse(args);
if (options is null) return 2;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

#if DEBUG
Console.WriteLine("WARNING: Debug build. Figures only mean something with: dotnet run -c Release --project bench/Confer.Bench.Stun");
#endif
Console.WriteLine($"STUN Binding benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, " +
                  $".NET {Environment.Version}, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} before start");
Console.WriteLine($"Load: {options.Sockets} UDP sockets x {options.Window} outstanding requests, {options.Warmup.TotalSeconds:0.#} s warm-up + " +
                  $"{options.Duration.TotalSeconds:0.#} s measured per server, {options.Rounds} round(s)");

var servers = new List<BenchServer>();
try
{
    if (options.RunConfer)
    {
        var confer = await ConferProcess.StartAsync(new ConferProcessOptions { Bind = IPAddress.Loopback });
        servers.Add(new BenchServer("confer", confer.Pid, confer.StunEndPoint, confer));
    }
    if (options.RunCoturn)
    {
        if (!CoturnProcess.IsInstalled)
        {
            Console.Error.WriteLine("coturn's turnserver is not installed (apt-get install coturn); run with --servers confer to measure Confer alone.");
            return 1;
        }
        var coturn = await CoturnProcess.StartAsync(new CoturnProcessOptions { ListeningIPs = [IPAddress.Loopback] });
        servers.Add(new BenchServer("coturn", coturn.Pid, coturn.StunEndPoint, coturn));
    }

    foreach (var server in servers)
    {
        try
        {
            await StunTestClient.BindUdpAsync(server.EndPoint, timeout: TimeSpan.FromSeconds(3));
            Console.WriteLine($"  {server.Name,-7} pid {server.Pid} on {server.EndPoint}: answers Binding");
        }
        catch (TimeoutException)
        {
            Console.WriteLine($"  {server.Name,-7} pid {server.Pid} on {server.EndPoint}: does NOT answer Binding; its figures will be 0");
        }
    }

    var results = new List<Measurement>();
    for (int round = 0; round < options.Rounds; round++)
    {
        // Alternate the order so neither server always runs first on a warming machine.
        var order = round % 2 == 0 ? servers : Enumerable.Reverse(servers).ToList();
        foreach (var server in order) results.Add(Measure(server, options, round + 1));
    }

    Report.Print(results, options);
    return 0;
}
finally
{
    foreach (var server in servers) await server.Process.DisposeAsync();
}

static Measurement Measure(BenchServer server, BenchOptions options, int round)
{
    using var load = new BindingLoadGenerator(new LoadSettings(server.EndPoint, options.Sockets, options.Window, TimeSpan.FromMilliseconds(250)));
    var self = Process.GetCurrentProcess();
    load.Start();
    Thread.Sleep(options.Warmup);

    var before = load.Snapshot();
    double serverCpuBefore = ProcessCpu.Seconds(server.Pid);
    var clientCpuBefore = self.TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    Thread.Sleep(options.Duration);
    var after = load.Snapshot();
    double seconds = clock.Elapsed.TotalSeconds;
    double serverCpu = ProcessCpu.Seconds(server.Pid) - serverCpuBefore;
    self.Refresh();
    double clientCpu = (self.TotalProcessorTime - clientCpuBefore).TotalSeconds;
    load.Stop();

    var counted = after - before;
    var measurement = new Measurement(server.Name, round, seconds, counted, serverCpu, clientCpu);
    Console.WriteLine($"  round {round} {server.Name,-7} {measurement.RequestsPerSecond,12:N0} req/s  " +
                      $"(lost {counted.Lost:N0}, invalid {counted.Invalid:N0}, server CPU {serverCpu:0.00} s, generator CPU {clientCpu:0.00} s)");
    return measurement;
}

internal sealed record BenchServer(string Name, int Pid, IPEndPoint EndPoint, IAsyncDisposable Process);
