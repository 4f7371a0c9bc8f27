using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Confer.Turn.Tests.Infrastructure;

/// <summary>How to start coturn's <c>turnserver</c> beside Confer. Port 0 is picked free.</summary>
internal sealed record CoturnProcessOptions
{
    /// <summary>One <c>--listening-ip</c> each. Two addresses turn on coturn's RFC 5780 support (alt port = port + 1).</summary>
    public IReadOnlyList<IPAddress> ListeningIPs { get; init; } = [IPAddress.Loopback];

    /// <summary><c>--listening-port</c>; 0 picks a free one (and its +1 neighbour with two addresses).</summary>
    public int ListeningPort { get; init; }

    /// <summary>More flags, for example <c>--lt-cred-mech --user=u:p --realm=r --relay-ip=127.0.0.1</c>.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>Runs the server inside this network namespace (<c>ip netns exec NAME</c>); null for the test's own.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>Leaves out <c>--no-tls</c>, for TURN over TLS (give <c>--tls-listening-port</c>, <c>--cert</c>, <c>--pkey</c> in <see cref="ExtraArguments"/>).</summary>
    public bool EnableTls { get; init; }
}

/// <summary>
/// coturn's <c>turnserver</c> as the side-by-side anchor: started with <c>-n</c> (no config file), no TLS/DTLS,
/// no CLI, its user database and pid file in a private temporary folder; ready once it answers a Binding
/// request; killed by its PID when disposed.
/// </summary>
internal sealed class CoturnProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly LogBuffer _output;
    private readonly string _directory;

    private readonly string? _networkNamespace;

    private CoturnProcess(Process process, LogBuffer output, string directory, IPAddress address, int port, string? networkNamespace)
    {
        _networkNamespace = networkNamespace;
        _process = process;
        _output = output;
        _directory = directory;
        StunEndPoint = new IPEndPoint(address, port);
    }

    public static bool IsInstalled => ExternalCommand.Exists("turnserver");

    public int Pid => _process.Id;
    public IPEndPoint StunEndPoint { get; }
    public int Port => StunEndPoint.Port;
    public string Output => _output.ToString();

    public static async Task<CoturnProcess> StartAsync(CoturnProcessOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new CoturnProcessOptions();
        if (!IsInstalled) throw new InvalidOperationException("coturn's turnserver is not installed (apt-get install coturn; test.sh does it).");
        var ips = options.ListeningIPs;
        int port = options.ListeningPort != 0 ? options.ListeningPort
            : options.NetworkNamespace is not null ? FreePorts.FindRun(2, IPAddress.Loopback) // a fresh namespace has every port free
            : FreePorts.FindRun(ips.Count > 1 ? 2 : 1, [.. ips]);
        var directory = Directory.CreateTempSubdirectory("confer-coturn-").FullName;

        var info = new ProcessStartInfo(options.NetworkNamespace is null ? "turnserver" : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        if (options.NetworkNamespace is not null)
        {
            foreach (var argument in new[] { "netns", "exec", options.NetworkNamespace, "turnserver" }) info.ArgumentList.Add(argument);
        }
        info.ArgumentList.Add("-n");
        foreach (var ip in ips) info.ArgumentList.Add($"--listening-ip={ip}");
        foreach (var argument in new[]
                 {
                     $"--listening-port={port.ToString(CultureInfo.InvariantCulture)}", options.EnableTls ? "--no-dtls" : "--no-tls", "--no-dtls", "--no-cli",
                     "--log-file=stdout", "--simple-log", $"--userdb={Path.Combine(directory, "turndb.sqlite")}",
                     $"--pidfile={Path.Combine(directory, "turnserver.pid")}",
                 })
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var argument in options.ExtraArguments) info.ArgumentList.Add(argument);

        var output = new LogBuffer();
        output.Add($"$ {info.FileName} {string.Join(' ', info.ArgumentList)}");
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var coturn = new CoturnProcess(process, output, directory, ips[0], port, options.NetworkNamespace);
        try
        {
            await coturn.WaitUntilAnsweringAsync(cancellationToken);
            return coturn;
        }
        catch
        {
            await coturn.DisposeAsync();
            throw;
        }
    }

    private async Task WaitUntilAnsweringAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"turnserver exited with code {_process.ExitCode} while starting.\n{Output}");
            if (deadline.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException($"turnserver did not answer a Binding request within 20 s.\n{Output}");
            if (_networkNamespace is not null)
            {
                // The test's own network cannot reach it: ask from inside the namespace with coturn's own client.
                var probe = await ExternalCommand.RunAsync("ip", ["netns", "exec", _networkNamespace, "timeout", "1", "turnutils_stunclient",
                    "-p", Port.ToString(CultureInfo.InvariantCulture), StunEndPoint.Address.ToString()], TimeSpan.FromSeconds(5), cancellationToken);
                if (probe.StandardOutput.Contains("reflexive addr", StringComparison.Ordinal)) return;
                await Task.Delay(100, cancellationToken);
                continue;
            }
            try
            {
                await StunTestClient.BindUdpAsync(StunEndPoint, timeout: TimeSpan.FromMilliseconds(400), cancellationToken: cancellationToken);
                return;
            }
            catch (TimeoutException)
            {
                // Not listening yet.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ExternalCommand.StopAsync(_process);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
