using System.Net;
using System.Collections.Concurrent;
using System.Diagnostics;
using Confer.Bench.Sfu.Rtc;

namespace Confer.Bench.Sfu;

/// <summary>Joins a row's participants, waits for every down-track, warms up, measures a window, leaves. Bounded in time throughout.</summary>
internal static class RowRunner
{
    public delegate Task<IBenchParticipant> Join(RowSetup setup, int index, bool publish, CancellationToken cancel);

    private static int s_window;

    public static bool Verbose { get; set; }

    public static async Task<RowResult> RunAsync(ChildServer server, RowSpec spec, Join join, IPAddress address, TimeSpan warmup, TimeSpan measure)
    {
        var setup = new RowSetup($"{spec.Name}-{Interlocked.Increment(ref s_window)}", spec.Layer, new MediaPump(), address);
        var joined = new ConcurrentDictionary<int, IBenchParticipant>();
        var problems = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();
        try
        {
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(150)))
            {
                // Publishers first, so the viewers' first offers already carry the tracks.
                var order = new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = deadline.Token };
                foreach (var (from, to) in new[] { (0, spec.Publishers), (spec.Publishers, spec.Participants) })
                    await Parallel.ForEachAsync(Enumerable.Range(from, to - from), order, async (i, ct) =>
                    {
                        try
                        {
                            joined[i] = await join(setup, i, i < spec.Publishers, ct);
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            problems.Enqueue($"join {i}: {e.GetType().Name}: {e.Message}");
                        }
                    });
                await Parallel.ForEachAsync(joined.ToArray(), order, async (kv, ct) =>
                {
                    try
                    {
                        await kv.Value.SubscribeAsync(Enumerable.Range(0, spec.Publishers), ct);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        problems.Enqueue($"subscribe {kv.Key}: {e.GetType().Name}: {e.Message}");
                    }
                });
                await WaitForDownTracksAsync(spec, joined, deadline.Token);
            }
            double setupSeconds = clock.Elapsed.TotalSeconds;
            await Task.Delay(warmup);
            foreach (var p in joined.Values) p.Subscriber?.Stats?.ClearDelay();
            int window = Interlocked.Increment(ref s_window);
            ReceiveStats.Window = window;
            double cpuBefore = server.CpuSeconds();
            var clientBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var measured = Stopwatch.StartNew();
            string loadBefore = LoadAverage();
            await Task.Delay(measure);
            double cpu = server.CpuSeconds() - cpuBefore;
            double clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientBefore).TotalSeconds;
            double seconds = measured.Elapsed.TotalSeconds;
            ReceiveStats.Window = 0;
            await Task.Delay(200);
            var totals = new Totals();
            foreach (var p in joined.Values) p.Subscriber?.Stats?.AddTo(window, ref totals);
            if (Verbose && joined.Values.FirstOrDefault(p => p.Subscriber?.Stats is not null) is { } first)
                Console.WriteLine($"        one subscriber: {first.Subscriber!.Stats!.Describe(window)}; overflow {totals.DelayOverflow}");
            foreach (var p in joined.Values)
                if (p.Failure is { } failure) problems.Enqueue(failure);
            return new RowResult(server.Name, spec, joined.Count, totals, seconds, cpu, clientCpu, setupSeconds, $"{loadBefore} → {LoadAverage()}", [.. problems.GroupBy(p => new string(p.Where(c => !char.IsDigit(c)).ToArray())).Select(g => $"{g.Count()}x {g.First()}").Take(6)]);
        }
        finally
        {
            setup.Dispose();
            await Parallel.ForEachAsync(joined.Values, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (p, _) => await p.DisposeAsync());
        }
    }

    private static async Task WaitForDownTracksAsync(RowSpec spec, ConcurrentDictionary<int, IBenchParticipant> joined, CancellationToken cancel)
    {
        for (int i = 0; i < 600; i++)
        {
            bool all = joined.All(kv =>
            {
                int expected = (spec.Publishers - (kv.Key < spec.Publishers ? 1 : 0)) * 2;
                return expected == 0 || (kv.Value.Subscriber?.Connected == true && kv.Value.OfferedTracks >= expected);
            });
            if (all) return;
            try
            {
                await Task.Delay(100, cancel);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}

/// <summary>One row's figures for one server.</summary>
internal sealed record RowResult(string Server, RowSpec Spec, int Joined, Totals Totals, double Seconds, double CpuSeconds, double ClientCpuSeconds, double SetupSeconds, string Load, string[] Problems)
{
    public double PacketsPerSecond => Totals.Packets / Seconds;
    public double Mbps => Totals.Bytes * 8 / Seconds / 1e6;
    public double PacketsPerCpuSecond => CpuSeconds > 0 ? Totals.Packets / CpuSeconds : double.NaN;
    public double DownTracksPerCore => CpuSeconds > 0 ? Totals.DownTracks / (CpuSeconds / Seconds) : double.NaN;
}
