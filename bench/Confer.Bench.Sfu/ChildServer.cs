using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Confer.Bench.Sfu;

/// <summary>
/// A server under test in its own process (Confer or Janus), started by the bench and killed by its PID: its CPU time
/// is read from /proc/PID/stat (utime + stime of all its threads, in USER_HZ = 100 ticks a second).
/// </summary>
internal sealed class ChildServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lastLines = [];

    private ChildServer(string name, Process process, Uri http)
    {
        Name = name;
        _process = process;
        Http = http;
    }

    public string Name { get; }
    public Uri Http { get; }
    public int Pid => _process.Id;

    /// <summary>Starts <paramref name="file"/> and waits (up to 15 s) until <paramref name="probe"/> on <paramref name="http"/> answers 2xx.</summary>
    public static async Task<ChildServer> StartAsync(string name, string file, IEnumerable<string> arguments, Uri http, string probe, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var server = new ChildServer(name, process, http);
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (int i = 0; i < 150; i++)
        {
            if (process.HasExited) throw new InvalidOperationException($"{name} exited with {process.ExitCode}: {server.Tail()}");
            try
            {
                if ((await client.GetAsync(new Uri(http, probe))).IsSuccessStatusCode) return server;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        await server.DisposeAsync();
        throw new TimeoutException($"{name} did not answer {probe} within 15 s: {server.Tail()}");
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_lastLines)
        {
            _lastLines.Add(line);
            if (_lastLines.Count > 40) _lastLines.RemoveAt(0);
        }
    }

    /// <summary>The last lines the server wrote, for a failure's message.</summary>
    public string Tail()
    {
        lock (_lastLines) return string.Join(" | ", _lastLines.TakeLast(8));
    }

    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var after = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(after[11], CultureInfo.InvariantCulture) + long.Parse(after[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }
}
