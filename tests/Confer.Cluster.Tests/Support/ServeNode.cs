using System.Diagnostics;
using System.Globalization;
using System.Net;
using Confer.Server.Tests.Cli;
using Confer.Server.Tests.Hosting;
using Orleans.Runtime;

namespace Confer.Cluster.Tests.Support;

/// <summary>
/// A node as its own <c>confer serve</c> process, for tests that crash (<c>kill -9</c>) or hang (<c>SIGSTOP</c>) it: ended
/// by its PID when the test ends, stopped or not.
/// </summary>
internal sealed class ServeNode(ServeProcess process, IPEndPoint clusterEndPoint, int httpPort) : IAsyncDisposable
{
    internal ServeProcess Process { get; } = process;

    public IPEndPoint ClusterEndPoint { get; } = clusterEndPoint;

    public int HttpPort { get; } = httpPort;

    public void Kill() => DrainClient.Signal(Process.Pid, "KILL");

    /// <summary>Starts a node process on <paramref name="redis"/>'s cluster and waits until every watcher sees it active.</summary>
    public static async Task<ServeNode> StartAsync(RedisProcess redis, IReadOnlyList<ClusterNode> watchers, params string[] extra)
    {
        var (port, http) = (DrainClient.FreePort(), DrainClient.FreePort());
        var serve = new ServeNode(ServeProcess.Start(["--dev", "--bind", "127.0.0.1", "--http-port", http.ToString(CultureInfo.InvariantCulture),
            "--https-port", "0", "--turn-port", "0", "--turn-tls-port", "0", "--turn-secret", ClusterNode.TurnSecret,
            "--cluster", redis.Uri, "--cluster-port", port.ToString(CultureInfo.InvariantCulture), "--cluster-max-cpu", "0", .. extra]), new IPEndPoint(IPAddress.Loopback, port), http);
        try
        {
            await serve.Process.WaitListeningAsync(TimeSpan.FromSeconds(60));
            Assert.Contains($"confer: cluster 'confer' on Redis 127.0.0.1:{redis.Port}: this node is 127.0.0.1:{port}", serve.Process.Stdout);
            Assert.True(await UntilAsync(() => watchers.All(w => w.StatusOf(serve.ClusterEndPoint) == SiloStatus.Active), TimeSpan.FromSeconds(30)),
                $"the node did not become active.\n{serve.Process.Stdout}\n{serve.Process.Stderr}");
            return serve;
        }
        catch
        {
            await serve.DisposeAsync();
            throw;
        }
    }

    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline) return false;
            await Task.Delay(20);
        }
        return true;
    }

    public ValueTask DisposeAsync()
    {
        if (!Process.HasExited) DrainClient.Signal(Process.Pid, "KILL"); // also ends a stopped process
        return Process.DisposeAsync();
    }
}
