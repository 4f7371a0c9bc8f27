using System.Diagnostics;
using Confer.Sfu.Dtls;
using Xunit.Abstractions;
using DtlsTransport = Confer.Sfu.Dtls.DtlsTransport;

namespace Confer.Sfu.Tests.Dtls;

/// <summary>Short measurements printed to the test output (not benchmarks; the machine is shared).</summary>
public sealed class DtlsMeasurementTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Handshakes_InProcessPair_PerCpuSecond()
    {
        await OneHandshakeAsync(); // warm-up (JIT, pools)
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        int count = 0;
        while (count < 200 && wall.Elapsed < TimeSpan.FromSeconds(4))
        {
            await OneHandshakeAsync();
            count++;
        }
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        output.WriteLine($"{count} handshakes (server + in-process BouncyCastle client) in {wall.Elapsed.TotalSeconds:0.00} s wall, {cpu:0.00} CPU-s: " +
            $"{count / cpu:0.0} handshakes per CPU-second for the pair, {count / wall.Elapsed.TotalSeconds:0.0} per wall second");
        Assert.True(count > 0);
    }

    [Fact]
    public async Task Memory_IdleTransports_BytesEach()
    {
        const int n = 200;
        var sender = new DtlsTransportTests.NullSender();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var fresh = new DtlsTransport[n];
        for (int i = 0; i < n; i++)
        {
            fresh[i] = new DtlsTransport(TestCertificates.Server, sender);
        }
        long afterFresh = GC.GetTotalMemory(forceFullCollection: true);

        // Established and idle: handshake done, linger over, DTLS thread ended (what a long call leaves behind).
        const int m = 40;
        var settings = new DtlsSettings { PostHandshakeLinger = TimeSpan.Zero };
        var emptyPipes = new InMemoryDtlsPipe[m];
        long beforePipes = GC.GetTotalMemory(forceFullCollection: true);
        for (int i = 0; i < m; i++)
        {
            emptyPipes[i] = new InMemoryDtlsPipe(TestCertificates.Server, settings);
        }
        long afterPipes = GC.GetTotalMemory(forceFullCollection: true);
        var established = new (InMemoryDtlsPipe Pipe, DtlsSrtpKeys Keys)[m];
        for (int i = 0; i < m; i++)
        {
            var pipe = new InMemoryDtlsPipe(TestCertificates.Server, settings);
            var keys = pipe.Server.HandshakeAsync(TestCertificates.Client.Fingerprint);
            var client = new TestDtlsClient(TestCertificates.Client, null, [0x0007]);
            (await pipe.ConnectClientAsync(client).WaitAsync(TimeSpan.FromSeconds(20))).Close();
            established[i] = (pipe, await keys.WaitAsync(TimeSpan.FromSeconds(20)));
        }
        foreach (var (pipe, _) in established)
        {
            await DtlsTransportTests.WaitUntilAsync(() => !pipe.Server.IsThreadAlive);
        }
        long afterEstablished = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(established);
        GC.KeepAlive(emptyPipes);
        GC.KeepAlive(fresh);

        double perFresh = (afterFresh - before) / (double)n;
        double perPipe = (afterPipes - beforePipes) / (double)m;
        double perEstablished = (afterEstablished - afterPipes) / (double)m;
        output.WriteLine($"new DtlsTransport (queue, limits, no thread): {perFresh:0} B each");
        output.WriteLine($"established idle transport incl. keys and test pipe: {perEstablished:0} B each; the unstarted test pipe alone: {perPipe:0} B; " +
            $"so the handshake leaves about {perEstablished - perPipe:0} B");
        foreach (var (pipe, _) in established)
        {
            pipe.Dispose();
        }
        Assert.True(perFresh < 64 * 1024);
    }

    private static async Task OneHandshakeAsync()
    {
        using var pipe = new InMemoryDtlsPipe(TestCertificates.Server, new DtlsSettings { PostHandshakeLinger = TimeSpan.Zero });
        var keys = pipe.Server.HandshakeAsync(TestCertificates.Client.Fingerprint);
        var client = new TestDtlsClient(TestCertificates.Client, TestCertificates.Server.Fingerprint, [0x0007]);
        (await pipe.ConnectClientAsync(client).WaitAsync(TimeSpan.FromSeconds(20))).Close();
        await keys.WaitAsync(TimeSpan.FromSeconds(20));
    }
}
