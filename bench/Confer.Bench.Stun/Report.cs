namespace Confer.Bench.Stun;

/// <summary>One server's figures for one measured window.</summary>
internal sealed record Measurement(string Server, int Round, double Seconds, LoadCounters Counted, double ServerCpuSeconds, double GeneratorCpuSeconds)
{
    public double RequestsPerSecond => Counted.Valid / Seconds;
    public double RequestsPerCpuSecond => ServerCpuSeconds > 0 ? Counted.Valid / ServerCpuSeconds : 0;
}

/// <summary>The table and the ratios.</summary>
internal static class Report
{
    /// <summary>The project's goal: Confer answers at least 1.5 times as many Binding requests per second as coturn.</summary>
    private const double Goal = 1.5;

    public static void Print(IReadOnlyList<Measurement> results, BenchOptions options)
    {
        Console.WriteLine();
        Console.WriteLine($"{"server",-8} {"round",5} {"Binding/s",12} {"answered",12} {"lost",8} {"server CPU s",12} {"CPU % 1 core",12} {"req/CPU-s",12}");
        foreach (var m in results)
        {
            Console.WriteLine($"{m.Server,-8} {m.Round,5} {m.RequestsPerSecond,12:N0} {m.Counted.Valid,12:N0} {m.Counted.Lost,8:N0} " +
                              $"{m.ServerCpuSeconds,12:0.00} {100 * m.ServerCpuSeconds / m.Seconds,12:0} {m.RequestsPerCpuSecond,12:N0}");
        }

        var confer = results.Where(m => m.Server == "confer").ToList();
        var coturn = results.Where(m => m.Server == "coturn").ToList();
        if (confer.Count == 0 || coturn.Count == 0) return;
        double conferRate = confer.Average(m => m.RequestsPerSecond), coturnRate = coturn.Average(m => m.RequestsPerSecond);
        double conferPerCpu = confer.Average(m => m.RequestsPerCpuSecond), coturnPerCpu = coturn.Average(m => m.RequestsPerCpuSecond);
        Console.WriteLine();
        Console.WriteLine($"mean over {options.Rounds} round(s): confer {conferRate:N0} Binding/s, coturn {coturnRate:N0} Binding/s");
        if (coturnRate > 0)
        {
            double ratio = conferRate / coturnRate;
            Console.WriteLine($"ratio confer/coturn: {ratio:0.00}x throughput (goal >= {Goal:0.0}x: {(ratio >= Goal ? "met" : "NOT met")})");
        }
        if (coturnPerCpu > 0) Console.WriteLine($"ratio confer/coturn: {conferPerCpu / coturnPerCpu:0.00}x requests per server CPU-second");
    }
}
