using System.Diagnostics;
using Confer.Cluster.Nodes;

namespace Confer.Cluster.Tests.Placement;

/// <summary>
/// The real measure of a node's CPU (<see cref="ProcessCpu"/>): this process's CPU time against a wall clock the test
/// moves by hand, so what the shared machine gives the burning threads changes how long they burn, not the figure.
/// </summary>
[Collection("cluster")]
public sealed class ProcessCpuTests
{
    private sealed class HandClock : TimeProvider
    {
        public long Ticks { get; set; }

        public override long GetTimestamp() => Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => Ticks += by.Ticks;
    }

    [Fact]
    public void Fraction_RisesByWhatThreadsBurn_AndFallsOnceTheWindowHasPassed()
    {
        var clock = new HandClock();
        var cpu = new ProcessCpu(clock);
        var cores = Environment.ProcessorCount;
        cpu.Sample();
        Assert.Equal(0, cpu.Fraction); // one reading says nothing yet

        // A quiet second (by the clock): the process used next to nothing in the real moment between the readings.
        clock.Advance(TimeSpan.FromSeconds(1));
        cpu.Sample();
        var idle = cpu.Fraction;
        Assert.InRange(idle, 0, 0.05);

        // One spinning thread per core until the process has used 0.5 s more CPU (at most 30 s), within 2 s of the clock.
        var from = Process.GetCurrentProcess().TotalProcessorTime;
        var deadline = Environment.TickCount64 + 30_000;
        var done = false;
        var burners = Enumerable.Range(0, cores).Select(_ => new Thread(() => { while (!Volatile.Read(ref done)) Thread.SpinWait(1000); }) { IsBackground = true }).ToList();
        burners.ForEach(t => t.Start());
        while (Process.GetCurrentProcess().TotalProcessorTime - from < TimeSpan.FromSeconds(0.5) && Environment.TickCount64 < deadline) Thread.Sleep(20);
        Volatile.Write(ref done, true);
        burners.ForEach(t => t.Join());
        var burned = Process.GetCurrentProcess().TotalProcessorTime - from;
        clock.Advance(TimeSpan.FromSeconds(2));
        cpu.Sample();
        var burning = cpu.Fraction;

        // The window is the 3 s of the clock since the first reading: at least the burned CPU over 3 s and every core.
        var least = burned / (TimeSpan.FromSeconds(3) * cores);
        Assert.True(burning >= least - 0.001 && burning > idle, $"idle {idle:P1}, burning {burning:P1} (at least {least:P1}: {burned.TotalSeconds:F2} s on {cores} cores)");
        Assert.InRange(burning, 0, 1);

        // Six quiet seconds later the burn is out of the 5-second window.
        for (var i = 0; i < 6; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            cpu.Sample();
        }
        Assert.InRange(cpu.Fraction, 0, 0.05);
    }
}
