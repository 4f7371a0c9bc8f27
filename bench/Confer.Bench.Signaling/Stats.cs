namespace Confer.Bench.Signaling;

internal static class Stats
{
    /// <summary>The nearest-rank percentile; NaN for no values. Sorts <paramref name="values"/>.</summary>
    public static double P(double[] values, int percentile)
    {
        if (values.Length == 0) return double.NaN;
        Array.Sort(values);
        var rank = (int)Math.Ceiling(percentile / 100.0 * values.Length) - 1;
        return values[Math.Clamp(rank, 0, values.Length - 1)];
    }
}
