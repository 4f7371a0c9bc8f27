namespace Confer.Cluster.Nodes;

/// <summary>What a node reports as its CPU (<see cref="NodeLoad.Cpu"/>): a seam so the placement rule can be tested with a CPU of the test's choosing.</summary>
internal interface ICpuGauge
{
    /// <summary>Takes a reading (<see cref="NodeLoads"/> does, once per load refresh).</summary>
    void Sample();

    /// <summary>The process's CPU over the last readings, as a fraction of the machine's cores (0 to 1).</summary>
    double Fraction { get; }
}

/// <summary>
/// This process's CPU over the last <see cref="Window"/>: the CPU time it used (<see cref="Environment.CpuUsage"/>, user
/// and kernel, all threads) divided by the wall time between the oldest and the newest reading (a
/// <see cref="TimeProvider"/>'s timestamps) times the cores it may run on (<see cref="Environment.ProcessorCount"/>,
/// which follows the container's CPU limit). Averaging over a few seconds keeps a short burst (a GC, a join storm) from
/// moving new rooms away. Before two readings it says 0.
/// </summary>
internal sealed class ProcessCpu(TimeProvider time) : ICpuGauge
{
    /// <summary>How far back the average reaches.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    /// <summary>Readings kept at most (a refresh faster than the window's / this still spans part of it).</summary>
    private const int MaxReadings = 64;

    private readonly Queue<(long Stamp, TimeSpan Cpu)> _readings = new();
    private readonly Lock _lock = new();
    private double _fraction;

    public double Fraction => Volatile.Read(ref _fraction);

    public void Sample()
    {
        var now = (Stamp: time.GetTimestamp(), Cpu: Environment.CpuUsage.TotalTime);
        lock (_lock)
        {
            _readings.Enqueue(now);
            // Keep the newest reading older than the window, so the average spans the whole window once it can.
            while (_readings.Count > MaxReadings || (_readings.Count > 2 && time.GetElapsedTime(ElementAt(1), now.Stamp) >= Window))
                _readings.Dequeue();
            var (stamp, cpu) = _readings.Peek();
            var wall = time.GetElapsedTime(stamp, now.Stamp);
            var used = now.Cpu - cpu;
            var fraction = wall <= TimeSpan.Zero ? 0 : used / (wall * Environment.ProcessorCount);
            Volatile.Write(ref _fraction, Math.Clamp(fraction, 0, 1));
        }
    }

    private long ElementAt(int index) => _readings.ElementAt(index).Stamp;
}
