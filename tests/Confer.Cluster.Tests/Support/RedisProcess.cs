using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Confer.Server.Tests.Hosting;

namespace Confer.Cluster.Tests.Support;

/// <summary>
/// A real <c>redis-server</c> on 127.0.0.1 and a free port, ended by its PID: without persistence, or with an append-only
/// file in a directory the caller owns (then a restart on that directory comes back with the data).
/// </summary>
internal sealed class RedisProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly bool _ownsDir;

    private RedisProcess(Process process, int port, string dir, bool ownsDir) => (_process, Port, _dir, _ownsDir) = (process, port, dir, ownsDir);

    public int Port { get; }

    public int Pid => _process.Id;

    public string Uri => $"redis://127.0.0.1:{Port}";

    /// <summary>
    /// Starts redis-server on <paramref name="port"/> (a free one when null). Without <paramref name="dataDir"/> it is
    /// empty and keeps nothing; with it, it keeps its data there as the docs advise (append-only file, fsync every second)
    /// and loads what a previous run left.
    /// </summary>
    public static async Task<RedisProcess> StartAsync(int? port = null, string? dataDir = null)
    {
        var chosen = port ?? DrainClient.FreePort();
        var dir = dataDir ?? Directory.CreateTempSubdirectory("confer-redis-").FullName;
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        string[] persistence = dataDir is null ? ["--save", "", "--appendonly", "no"] : ["--save", "", "--appendonly", "yes", "--appendfsync", "everysec"];
        foreach (var a in new[] { "--bind", "127.0.0.1", "--port", chosen.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--dir", dir, "--protected-mode", "yes", "--loglevel", "warning" }.Concat(persistence))
            info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var redis = new RedisProcess(process, chosen, dir, ownsDir: dataDir is null);
        var deadline = Environment.TickCount64 + 10_000;
        while (!await redis.PingAsync())
        {
            if (process.HasExited || Environment.TickCount64 > deadline)
            {
                redis.Dispose();
                throw new InvalidOperationException("redis-server did not answer PING within 10 s");
            }
            await Task.Delay(50);
        }
        return redis;
    }

    /// <summary>True when Redis answers <c>PING</c> with <c>+PONG</c>.</summary>
    public async Task<bool> PingAsync()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var cts = new CancellationTokenSource(1000);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), cts.Token);
            await socket.SendAsync("PING\r\n"u8.ToArray(), cts.Token);
            var buffer = new byte[16];
            var n = await socket.ReceiveAsync(buffer, cts.Token);
            return Encoding.ASCII.GetString(buffer, 0, n).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { return false; }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(); // SIGKILL, this PID only
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        if (_ownsDir) try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
