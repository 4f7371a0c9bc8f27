using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Confer.Turn.Tests.Infrastructure;

/// <summary>How to start <c>confer serve</c> for a test. Ports left at 0 are picked free.</summary>
internal sealed record ConferProcessOptions
{
    /// <summary><c>--bind</c>: the address every listener uses.</summary>
    public IPAddress Bind { get; init; } = IPAddress.Loopback;

    /// <summary><c>--turn-port</c>; 0 picks a free one (with its +1 neighbour free too when <see cref="AltIP"/> is set).</summary>
    public int TurnPort { get; init; }

    /// <summary><c>--http-port</c>; 0 picks a free one.</summary>
    public int HttpPort { get; init; }

    /// <summary><c>--https-port</c> (HTTPS runs with --dev or --tls-cert); 0, the default here, picks a free one; null leaves the server's default.</summary>
    public int? HttpsPort { get; init; } = 0;

    /// <summary><c>--alt-ip</c> for RFC 5780; null leaves it off.</summary>
    public IPAddress? AltIP { get; init; }

    /// <summary><c>--alt-port</c>; 0 leaves the server's default (turn port + 1).</summary>
    public int AltPort { get; init; }

    /// <summary><c>--dev</c>.</summary>
    public bool Dev { get; init; }

    /// <summary>More flags, appended as they are (for example TURN settings).</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>Environment variables for the process beyond the caller's own (configuration such as <c>Transport__Workers</c>).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Runs the server inside this network namespace (<c>ip netns exec NAME</c>); null for the test's own.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>The confer.dll to run. By default the one next to the test assembly (the tests reference src/Confer.Server).</summary>
    public string ConferDll { get; init; } = Path.Combine(AppContext.BaseDirectory, "confer.dll");

    /// <summary>How long to wait for <c>/healthz</c> to say "ok".</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// The real <c>confer</c> binary running as a separate process (<c>dotnet confer.dll serve …</c>), started
/// and awaited until <c>GET /healthz</c> answers "ok", then killed by its PID when disposed. Tests talk to
/// it over sockets only, as any client would. Its output is kept for failure messages.
/// </summary>
internal sealed class ConferProcess : IAsyncDisposable
{
    private const int ExitPortInUse = 3; // confer serve's exit code for "a port is already in use"
    private readonly Process _process;
    private readonly LogBuffer _output;

    private ConferProcess(Process process, LogBuffer output, ConferProcessOptions options, int turnPort, int httpPort)
    {
        _process = process;
        _output = output;
        Options = options;
        TurnPort = turnPort;
        HttpPort = httpPort;
    }

    public ConferProcessOptions Options { get; }
    public int Pid => _process.Id;
    public IPAddress Bind => Options.Bind;
    public int TurnPort { get; }
    public int HttpPort { get; }
    public int AltPort => Options.AltPort != 0 ? Options.AltPort : TurnPort + 1;

    /// <summary>Where STUN/TURN listens (UDP and TCP).</summary>
    public IPEndPoint StunEndPoint => new(Bind, TurnPort);

    /// <summary>The RFC 5780 second address and port, when <c>--alt-ip</c> was given.</summary>
    public IPEndPoint? AlternateEndPoint => Options.AltIP is null ? null : new IPEndPoint(Options.AltIP, AltPort);

    public Uri HttpAddress => new($"http://{Bind}:{HttpPort}/");
    public bool HasExited => _process.HasExited;

    /// <summary>Everything the server printed so far (bounded).</summary>
    public string Output => _output.ToString();

    public static async Task<ConferProcess> StartAsync(ConferProcessOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ConferProcessOptions();
        if (!File.Exists(options.ConferDll))
            throw new FileNotFoundException($"confer.dll not found at {options.ConferDll}: the test project must reference src/Confer.Server.", options.ConferDll);

        // Picked ports can be taken by someone else before the server binds them: try a few times.
        for (int attempt = 1; ; attempt++)
        {
            int turnPort = options.TurnPort != 0 ? options.TurnPort : PickTurnPort(options);
            int httpPort = options.HttpPort != 0 ? options.HttpPort : FreePorts.FindTcp(options.NetworkNamespace is null ? options.Bind : IPAddress.Loopback);
            var started = Launch(options, turnPort, httpPort);
            try
            {
                await started.WaitUntilHealthyAsync(cancellationToken);
                return started;
            }
            catch (ConferExitedException) when (attempt < 3 && started._process.ExitCode == ExitPortInUse && (options.TurnPort == 0 || options.HttpPort == 0))
            {
                await started.DisposeAsync();
            }
            catch
            {
                await started.DisposeAsync();
                throw;
            }
        }
    }

    private static int PickTurnPort(ConferProcessOptions options)
    {
        if (options.NetworkNamespace is not null) return FreePorts.FindRun(2, IPAddress.Loopback); // a fresh namespace has every port free
        IPAddress[] addresses = options.AltIP is null ? [options.Bind] : [options.Bind, options.AltIP];
        return FreePorts.FindRun(options.AltIP is null || options.AltPort != 0 ? 1 : 2, addresses);
    }

    private static ConferProcess Launch(ConferProcessOptions options, int turnPort, int httpPort)
    {
        var arguments = new List<string>();
        string fileName = "dotnet";
        if (options.NetworkNamespace is not null)
        {
            fileName = "ip";
            arguments.AddRange(["netns", "exec", options.NetworkNamespace, "dotnet"]);
        }
        arguments.AddRange([options.ConferDll, "serve", "--bind", options.Bind.ToString(),
            "--turn-port", turnPort.ToString(CultureInfo.InvariantCulture), "--http-port", httpPort.ToString(CultureInfo.InvariantCulture)]);
        if (options.AltIP is not null) arguments.AddRange(["--alt-ip", options.AltIP.ToString()]);
        if (options.AltPort != 0) arguments.AddRange(["--alt-port", options.AltPort.ToString(CultureInfo.InvariantCulture)]);
        if (options.Dev) arguments.Add("--dev");
        else if (!options.ExtraArguments.Contains("--keys")) arguments.Add("--turn-only"); // without API keys Confer starts only as STUN/TURN
        if (options.HttpsPort is { } httpsPort) arguments.AddRange(["--https-port", httpsPort.ToString(CultureInfo.InvariantCulture)]);
        arguments.AddRange(options.ExtraArguments);

        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(options.ConferDll)!,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in options.Environment) info.Environment[name] = value;

        var output = new LogBuffer();
        output.Add($"$ {fileName} {string.Join(' ', arguments)}");
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ConferProcess(process, output, options, turnPort, httpPort);
    }

    private async Task WaitUntilHealthyAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            if (_process.HasExited)
                throw new ConferExitedException($"confer exited with code {_process.ExitCode} before /healthz answered.\n{Output}");
            if (await IsHealthyAsync(http, cancellationToken)) return;
            if (deadline.Elapsed > Options.StartTimeout)
                throw new TimeoutException($"confer did not answer \"ok\" on {HttpAddress}healthz within {Options.StartTimeout.TotalSeconds:0} s.\n{Output}");
            await Task.Delay(100, cancellationToken);
        }
    }

    private async Task<bool> IsHealthyAsync(HttpClient http, CancellationToken cancellationToken)
    {
        if (Options.NetworkNamespace is null)
        {
            try
            {
                var body = await http.GetStringAsync(new Uri(HttpAddress, "healthz"), cancellationToken);
                return body.Trim() == "ok";
            }
            catch (HttpRequestException) { return false; }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested) { return false; }
        }
        // Inside a namespace the test's own network cannot reach the server: ask from inside, with bash's /dev/tcp.
        var probe = $"exec 3<>/dev/tcp/{Bind}/{HttpPort} && printf 'GET /healthz HTTP/1.0\\r\\nHost: confer\\r\\n\\r\\n' >&3 && cat <&3";
        var result = await ExternalCommand.RunAsync("ip", ["netns", "exec", Options.NetworkNamespace, "bash", "-c", probe],
            TimeSpan.FromSeconds(3), cancellationToken);
        return result.ExitCode == 0 && result.StandardOutput.Contains(" 200 ", StringComparison.Ordinal) &&
               result.StandardOutput.TrimEnd().EndsWith("ok", StringComparison.Ordinal);
    }

    /// <summary>Kills the server by its PID (no graceful shutdown needed for tests) and waits for it to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await ExternalCommand.StopAsync(_process);
    }

    private sealed class ConferExitedException(string message) : Exception(message);
}
