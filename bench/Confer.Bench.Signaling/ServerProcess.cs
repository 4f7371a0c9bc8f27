using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Confer.Bench.Signaling;

/// <summary>Runs <c>confer serve</c> as a child process so its memory can be read from /proc on its own.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private static readonly HttpClient Http1 = new() { Timeout = TimeSpan.FromSeconds(5) };

    private ServerProcess(Process process, Uri http, string name)
    {
        _process = process;
        Http = http;
        Name = name;
    }

    public Uri Http { get; }
    public string Name { get; }
    public int Pid => _process.Id;

    /// <summary>
    /// Starts one node: alone when <paramref name="redis"/> is null, else a member of that Redis's cluster with its own
    /// cluster port and <c>--node-name</c>. Waits (up to 60 s) until <c>/healthz</c> answers.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string dll, string key, string secret, string name, string? redis)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "serve", "--bind", "127.0.0.1", "--http-port", port.ToString(CultureInfo.InvariantCulture),
                "--turn-port", FreePort().ToString(CultureInfo.InvariantCulture), "--keys", $"{key}: {secret}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (redis is not null)
            foreach (var a in new[] { "--turn-secret", secret, "--cluster", redis, "--cluster-port", FreePort().ToString(CultureInfo.InvariantCulture),
                         "--cluster-address", "127.0.0.1", "--node-name", name })
                info.ArgumentList.Add(a);
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"{name}: {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var http = new Uri($"http://127.0.0.1:{port}/");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited) throw new InvalidOperationException($"{name} exited with {process.ExitCode}");
            try
            {
                if ((await Http1.GetAsync(new Uri(http, "/healthz"))).IsSuccessStatusCode) return new ServerProcess(process, http, name);
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"{name} did not answer /healthz within 60 s");
    }

    public long ResidentBytes() => ProcStat.ResidentBytes(_process.Id);

    public double CpuSeconds() => ProcStat.CpuSeconds(_process.Id);

    /// <summary>The value of an unlabelled-by-type metric (e.g. <c>confer_signaling_rooms</c>) on this node's /metrics; NaN when absent.</summary>
    public async Task<double> MetricAsync(string name)
    {
        var text = await Http1.GetStringAsync(new Uri(Http, "/metrics"));
        foreach (var line in text.Split('\n'))
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is ' ' or '{')
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        return double.NaN;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
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
