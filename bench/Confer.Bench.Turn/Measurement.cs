using System.Diagnostics;
using System.Globalization;
using Confer.Turn.Tests.Infrastructure;
using Confer.Turn.Tests.TurnInterop;

namespace Confer.Bench.Turn;

/// <summary>What one workload did against one server.</summary>
internal sealed record Measurement(string Server, Workload Workload, UclientOutput Output, double WallSeconds, double ServerCpuSeconds)
{
    /// <summary>Bytes the relay carried: every message goes client → relay → peer and back → relay → client.</summary>
    public long RelayedBytes => (Output.SentBytes ?? 0) + (Output.ReceivedBytes ?? 0);

    public long RelayedMessages => (Output.SentMessages ?? 0) + (Output.ReceivedMessages ?? 0);

    public double MessagesPerSecond => RelayedMessages / WallSeconds;

    public double Mbps => RelayedBytes * 8 / WallSeconds / 1e6;

    /// <summary>Relayed megabits per second of server CPU: the efficiency figure the goal is stated in.</summary>
    public double MegabitsPerCpuSecond => ServerCpuSeconds > 0 ? RelayedBytes * 8 / ServerCpuSeconds / 1e6 : double.NaN;

    public bool Failed => Output.SentMessages is null || Output.Errors.Count > 0 || !Output.Command.Succeeded;

    public double LossPercent => Output.SentMessages is > 0 and { } sent ? 100.0 * (Output.LostPackets ?? sent) / sent : 100;

    public static async Task<Measurement> RunAsync(string server, int pid, Workload workload, UclientOptions options)
    {
        double cpuBefore = ProcessCpu.Seconds(pid);
        var clock = Stopwatch.StartNew();
        var output = await TurnutilsUclient.RunAsync(options);
        double wall = clock.Elapsed.TotalSeconds;
        double cpu = ProcessCpu.Seconds(pid) - cpuBefore;
        return new Measurement(server, workload, output, wall, cpu);
    }

    public string Row() => Failed
        ? $"  {Server,-7} FAILED: {FirstProblem()}"
        : string.Create(CultureInfo.InvariantCulture,
            $"  {Server,-7} {MessagesPerSecond,9:0} msg/s {Mbps,8:0.0} Mbps  rtt {Output.AverageRttMs,6:0.000} ms  cpu {ServerCpuSeconds,6:0.00} s  " +
            $"{MegabitsPerCpuSecond,8:0.0} Mb/cpu-s  loss {LossPercent,5:0.00}%  wall {WallSeconds,5:0.0} s");

    private string FirstProblem()
    {
        if (Output.Errors.Count > 0) return Output.Errors[0];
        if (Output.Command.TimedOut) return "uclient hit the time limit";
        var lines = (Output.Command.StandardOutput + Output.Command.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return $"exit {Output.Command.ExitCode}; last output: {(lines.Length > 0 ? lines[^1].Trim() : "(none)")}";
    }
}
