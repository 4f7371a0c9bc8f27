using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Confer.Server.Tests.Hosting;

namespace Confer.Cluster.Tests.Support;

/// <summary>A real <c>redis-server</c> on 127.0.0.1 and a free port, without persistence, ended by its PID.</summary>
internal sealed class RedisProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private RedisProcess(Process process, int port, string dir) => (_process, Port, _dir) = (process, port, dir);

    public int Port { get; }

    public int Pid => _process.Id;

    public string Uri => $"redis://127.0.0.1:{Port}";

    /// <summary>Starts redis-server on <paramref name="port"/> (a free one when null), empty: nothing is kept between runs.</summary>
    public static async Task<RedisProcess> StartAsync(int? port = null)
    {
        var chosen = port ?? DrainClient.FreePort();
        var dir = Directory.CreateTempSubdirectory("confer-redis-").FullName;
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        foreach (var a in new[] { "--bind", "127.0.0.1", "--port", chosen.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--save", "", "--appendonly", "no", "--dir", dir, "--protected-mode", "yes", "--loglevel", "warning" })
            info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var redis = new RedisProcess(process, chosen, dir);
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
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
