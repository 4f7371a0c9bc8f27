using System.Diagnostics;

namespace Confer.Bench.Stun;

/// <summary>
/// The pinned mode: every thread of the server under load on CPU 0, every thread of this generator on CPU 1
/// (<c>taskset -a -p</c>), so neither takes cycles from the other. Threads started later inherit the mask.
/// </summary>
internal static class CpuPinning
{
    public const int ServerCpu = 0, GeneratorCpu = 1;

    public static bool IsAvailable => Environment.ProcessorCount >= 2 && File.Exists("/usr/bin/taskset");

    public static void Pin(int pid, int cpu) => TaskSet($"-a -p -c {cpu} {pid}");

    /// <summary>Back to every CPU, so the next server measured is not squeezed by the last one's mask.</summary>
    public static void Unpin(int pid) => TaskSet($"-a -p -c 0-{Environment.ProcessorCount - 1} {pid}");

    private static void TaskSet(string arguments)
    {
        var start = new ProcessStartInfo("taskset", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("taskset did not start.");
        if (!process.WaitForExit(5000)) { process.Kill(); throw new TimeoutException($"taskset {arguments} did not finish."); }
        if (process.ExitCode != 0) throw new InvalidOperationException($"taskset {arguments}: {process.StandardError.ReadToEnd().Trim()}");
    }
}
