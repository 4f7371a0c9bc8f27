using System.Diagnostics;
using Confer.Sfu.Ice;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using static Confer.Sfu.Tests.Ice.IceTest;

namespace Confer.Sfu.Tests.Ice;

/// <summary>A short measurement, not a benchmark: prints checks per second on one thread (no assertion on speed).</summary>
public sealed class IceThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public void Handle_100kValidChecks_PrintsRate()
    {
        using var table = new IceSessionTable(new IceOptions(), new FakeTimeProvider());
        var handler = new IceCheckHandler(table);
        for (int i = 0; i < 1000; i++) Assert.True(table.TryCreate("cLnT", out _));
        Assert.True(table.TryCreate("cLnT", out var session));
        var request = ChromeCheck($"{session.LocalUfrag}:cLnT", session.Local.Password, useCandidate: true);
        var sink = new CapturingSink();
        var context = Context(sink, Client());
        for (int i = 0; i < 5_000; i++) handler.Handle(request, context);

        const int N = 100_000;
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < N; i++) handler.Handle(request, context);
        watch.Stop();

        Assert.Equal(N + 5_000, sink.Count);
        output.WriteLine($"{N / watch.Elapsed.TotalSeconds:F0} checks/s, {watch.Elapsed.TotalMilliseconds * 1000 / N:F2} µs per check (parse, lookup, HMAC-SHA1 verify and sign, CRC-32 x2)");
    }
}
