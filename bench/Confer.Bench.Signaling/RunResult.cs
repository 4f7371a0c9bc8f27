using static Confer.Bench.Signaling.Stats;

namespace Confer.Bench.Signaling;

/// <summary>One run's measurements (latencies in ms, memory in bytes, CPU in seconds of all the nodes and Redis together).</summary>
internal sealed record RunResult(
    string Mode, string[] Nodes, RunSettings Settings, double[] Joins, int JoinFailures, double JoinSeconds,
    double[] Deliveries, double[] Complete, int ExpectedDeliveries, int Messages, long[] RssBefore, long[] RssAfter,
    double IdleCpuPerSecond, double CpuJoin, double CpuFan, double FanSeconds, int Failed, string FailedDetail, HopResult? HopIdle, HopResult? HopLoaded)
{
    public bool Ok => JoinFailures == 0 && Failed == 0 && Deliveries.Length == ExpectedDeliveries;
    public double JoinsPerSecond => Joins.Length / JoinSeconds;
    public double BytesPerParticipant => (RssAfter.Sum() - RssBefore.Sum()) / (double)Settings.Participants;

    public void Print()
    {
        var n = Settings.Participants;
        Console.WriteLine();
        Console.WriteLine($"[{Mode}] joins: {Joins.Length}/{n} ok in {JoinSeconds:F1} s ({JoinsPerSecond:F0}/s); join latency p50 {P(Joins, 50):F1} ms, p99 {P(Joins, 99):F1} ms, max {Joins.DefaultIfEmpty().Max():F1} ms");
        Console.WriteLine($"[{Mode}] fan-out: {Deliveries.Length}/{ExpectedDeliveries} deliveries; per delivery p50 {P(Deliveries, 50):F1} ms, p99 {P(Deliveries, 99):F1} ms");
        Console.WriteLine($"[{Mode}] fan-out: {Complete.Length}/{Messages} messages reached the whole room; last member p50 {P(Complete, 50):F1} ms, p99 {P(Complete, 99):F1} ms");
        for (var i = 0; i < Nodes.Length; i++)
            Console.WriteLine($"[{Mode}] node {Nodes[i]}: RSS {RssBefore[i] / 1048576.0:F0} MiB -> {RssAfter[i] / 1048576.0:F0} MiB ({n / Nodes.Length} sockets)");
        Console.WriteLine($"[{Mode}] memory: {BytesPerParticipant / 1024:F1} KiB per participant (all nodes' RSS growth / participants)");
        Console.WriteLine($"[{Mode}] server CPU (nodes and Redis): {IdleCpuPerSecond:F2} s a second idle; {CpuJoin:F1} s during {JoinSeconds:F0} s of joins, {CpuFan:F1} s during {FanSeconds:F0} s of fan-out " +
            $"({CpuFan - IdleCpuPerSecond * FanSeconds:F1} s above idle)");
        Console.WriteLine($"[{Mode}] connections failed or closed by the server: {Failed}" + (Failed == 0 ? "" : $" ({FailedDetail})"));
    }

    /// <summary>A table of the runs, with each run's ratio to the first (the one-node baseline).</summary>
    public static void PrintTable(IReadOnlyList<RunResult> runs)
    {
        Console.WriteLine();
        Console.WriteLine("| Mode | Participants | Rooms of | Joins/s | Join p50 | Join p99 | Fan-out p50 | Fan-out p99 | Last member p99 | RSS per node after (MiB) | Per participant | CPU s idle per s | CPU s (joins / fan-out) |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in runs)
            Console.WriteLine($"| {r.Mode} | {r.Settings.Participants} | {r.Settings.RoomSize} | {r.JoinsPerSecond:F0} | {P(r.Joins, 50):F1} ms | {P(r.Joins, 99):F1} ms | " +
                $"{P(r.Deliveries, 50):F1} ms | {P(r.Deliveries, 99):F1} ms | {P(r.Complete, 99):F1} ms | {string.Join(" / ", r.RssAfter.Select(b => (b / 1048576.0).ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} | " +
                $"{r.BytesPerParticipant / 1024:F0} KiB | {r.IdleCpuPerSecond:F2} | {r.CpuJoin:F1} / {r.CpuFan:F1} |");
        if (runs.Count < 2) return;
        var b = runs[0];
        Console.WriteLine();
        foreach (var r in runs.Skip(1))
            Console.WriteLine($"{r.Mode} vs {b.Mode}: joins/s x{r.JoinsPerSecond / b.JoinsPerSecond:F2}; join p50 x{P(r.Joins, 50) / P(b.Joins, 50):F2}, p99 x{P(r.Joins, 99) / P(b.Joins, 99):F2}; " +
                $"fan-out p50 x{P(r.Deliveries, 50) / P(b.Deliveries, 50):F2}, p99 x{P(r.Deliveries, 99) / P(b.Deliveries, 99):F2}; " +
                $"memory per participant x{r.BytesPerParticipant / b.BytesPerParticipant:F2}; CPU joins x{r.CpuJoin / b.CpuJoin:F2}, fan-out x{r.CpuFan / b.CpuFan:F2}");
        foreach (var r in runs.Where(r => r.HopIdle is not null))
            Console.WriteLine($"{r.Mode}: one hop adds {r.HopIdle!.ExtraP50:F2} ms at p50 idle, {r.HopLoaded?.ExtraP50 ?? double.NaN:F2} ms during the fan-out");
    }
}
