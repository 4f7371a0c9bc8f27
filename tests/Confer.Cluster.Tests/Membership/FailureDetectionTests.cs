using System.Diagnostics;
using System.Globalization;
using System.Net;
using Confer.Cluster.Tests.Support;
using Confer.Server.Tests.Cli;
using Confer.Server.Tests.Hosting;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace Confer.Cluster.Tests.Membership;

/// <summary>
/// A node that crashes (<c>kill -9</c>) or hangs (<c>SIGSTOP</c>) is declared dead by the others within seconds, with the
/// failure detection Confer ships (ClusterHosting.TuneFailureDetection). The node under test is a real <c>confer serve</c>
/// process; the two that watch it run in this process.
/// </summary>
[Collection("cluster")]
public sealed class FailureDetectionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private RedisProcess? _redis;
    private readonly List<ClusterNode> _watchers = [];

    public async Task InitializeAsync()
    {
        _redis = await RedisProcess.StartAsync();
        for (var i = 0; i < 2; i++) _watchers.Add(await ClusterNode.StartAsync(_redis.Uri));
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _watchers) await node.DisposeAsync();
        _redis?.Dispose();
    }

    [Fact]
    public async Task Node_KilledWithSigkill_DeclaredDeadWithinEightSeconds()
    {
        var elapsed = await DeclaredDeadAfterAsync(serve => serve.Kill());
        output.WriteLine($"kill -9: declared dead after {elapsed.TotalMilliseconds:0} ms");
        Assert.True(elapsed < TimeSpan.FromSeconds(8), $"a crashed node took {elapsed.TotalSeconds:0.0} s to be declared dead");
    }

    [Fact]
    public async Task Node_StoppedWithSigstop_DeclaredDeadWithinTwelveSeconds()
    {
        var elapsed = await DeclaredDeadAfterAsync(serve => DrainClient.Signal(serve.Process.Pid, "STOP"));
        output.WriteLine($"SIGSTOP: declared dead after {elapsed.TotalMilliseconds:0} ms");
        Assert.True(elapsed < TimeSpan.FromSeconds(12), $"a hung node took {elapsed.TotalSeconds:0.0} s to be declared dead");
    }

    /// <summary>Starts a third node as a process, waits until both watchers see it active, does <paramref name="fail"/> to it, and times until both see it dead.</summary>
    private async Task<TimeSpan> DeclaredDeadAfterAsync(Action<ServeNode> fail)
    {
        var port = DrainClient.FreePort();
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        await using var serve = new ServeNode(ServeProcess.Start(["--dev", "--bind", "127.0.0.1", "--http-port", "0", "--https-port", "0", "--turn-port", "0",
            "--turn-tls-port", "0", "--turn-secret", ClusterNode.TurnSecret, "--cluster", _redis!.Uri, "--cluster-port", port.ToString(CultureInfo.InvariantCulture)]));
        await serve.Process.WaitListeningAsync(TimeSpan.FromSeconds(60));
        Assert.True(await UntilAsync(() => _watchers.All(w => w.StatusOf(endpoint) == SiloStatus.Active), TimeSpan.FromSeconds(30)),
            $"the node did not become active.\n{serve.Process.Stdout}\n{serve.Process.Stderr}");

        var clock = Stopwatch.StartNew();
        fail(serve);
        Assert.True(await UntilAsync(() => _watchers.All(w => w.StatusOf(endpoint) == SiloStatus.Dead), TimeSpan.FromSeconds(60)),
            $"not declared dead within 60 s: {string.Join(", ", _watchers.Select(w => w.StatusOf(endpoint)))}");
        return clock.Elapsed;
    }

    private static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline) return false;
            await Task.Delay(20);
        }
        return true;
    }

    /// <summary>The process node: SIGKILL by its PID, and ended (by PID) when the test ends, stopped or not.</summary>
    internal sealed class ServeNode(ServeProcess process) : IAsyncDisposable
    {
        internal ServeProcess Process { get; } = process;

        public void Kill() => DrainClient.Signal(Process.Pid, "KILL");

        public ValueTask DisposeAsync()
        {
            if (!Process.HasExited) DrainClient.Signal(Process.Pid, "KILL"); // also ends a stopped process
            return Process.DisposeAsync();
        }
    }
}
