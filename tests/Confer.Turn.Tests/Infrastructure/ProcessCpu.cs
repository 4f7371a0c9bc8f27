using System.Globalization;

namespace Confer.Turn.Tests.Infrastructure;

/// <summary>CPU time a process has used, from <c>/proc/PID/stat</c> (utime + stime, Linux only).</summary>
internal static class ProcessCpu
{
    // USER_HZ: the unit of utime/stime. 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100.0;

    /// <summary>User plus system CPU seconds of <paramref name="pid"/> (all its threads) so far.</summary>
    public static double Seconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the name, field 3 (state) is index 0, so utime (field 14) is index 11 and stime (15) index 12.
        long utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        long stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime + stime) / TicksPerSecond;
    }
}
