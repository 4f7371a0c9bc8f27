using System.Diagnostics;
using Confer.Cluster.Nodes;

namespace Confer.Cluster.Tests.Placement;

[Collection("cluster")]
public sealed class ProcessCpuTests
{
    [Fact]
    public async Task Fraction_FollowsTheProcessCpu_RisesWhileThreadsBurn_AndFallsAfter()
    {
        var cpu = new ProcessCpu(TimeProvider.System);
        Assert.Equal(0, cpu.Fraction); // no reading yet

        var idle = new ProcessCpu(TimeProvider.System);
        idle.Sample();
        await Task.Delay(1000);
        idle.Sample();

        // One spinning thread per core for 2 s: the process's CPU goes up by what the machine gives them.
        var cores = Environment.ProcessorCount;
        var (wall, processFrom) = (Stopwatch.StartNew(), Process.GetCurrentProcess().TotalProcessorTime);
        cpu.Sample();
        var stop = Environment.TickCount64 + 2000;
        var burners = Enumerable.Range(0, cores).Select(_ => new Thread(() => { while (Environment.TickCount64 < stop) Thread.SpinWait(1000); }) { IsBackground = true }).ToList();
        burners.ForEach(t => t.Start());
        for (var i = 0; i < 4; i++)
        {
            await Task.Delay(500);
            cpu.Sample();
        }
        burners.ForEach(t => t.Join());
        cpu.Sample();
        var burning = cpu.Fraction;
        // The same thing counted another way: the process's processor time over the same wall time and cores.
        var expected = (Process.GetCurrentProcess().TotalProcessorTime - processFrom) / (wall.Elapsed * cores);

        var what = $"idle {idle.Fraction:P1}, burning {burning:P1} of {cores} cores, the process's processor time says {expected:P1}";
        Assert.InRange(burning, Math.Max(0, expected - 0.05), Math.Min(1, expected + 0.05));
        Assert.True(burning > idle.Fraction + 0.02, what);

        // The window is 5 s: 6 s later the burn has left it.
        for (var i = 0; i < 6; i++)
        {
            await Task.Delay(1000);
            cpu.Sample();
        }
        Assert.True(cpu.Fraction < burning, $"{what}; 6 s later {cpu.Fraction:P1}");
    }
}
