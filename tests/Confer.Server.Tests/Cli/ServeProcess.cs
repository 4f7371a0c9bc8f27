using System.Diagnostics;
using System.Text;

namespace Confer.Server.Tests.Cli;

/// <summary><c>dotnet confer.dll serve …</c> as its own process, its output gathered line by line.</summary>
internal sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new(), _stderr = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServeProcess(Process process) => _process = process;

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    public static ServeProcess Start(IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "confer.dll"));
        info.ArgumentList.Add("serve");
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        var process = new Process { StartInfo = info };
        var serve = new ServeProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (serve._stdout) serve._stdout.AppendLine(e.Data);
            if (e.Data.Contains("(Ctrl-C to stop)", StringComparison.Ordinal)) serve._listening.TrySetResult(); // the banner's last line
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (serve._stderr) serve._stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return serve;
    }

    /// <summary>Waits for the process to end; its exit code, or a failure when it keeps running.</summary>
    public async Task<int> ExitCodeAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"confer kept running: {Stdout}");
        }
        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    /// <summary>Waits until the server says it is listening (the banner follows on the next lines).</summary>
    public async Task WaitListeningAsync(TimeSpan timeout)
    {
        var done = await Task.WhenAny(_listening.Task, _process.WaitForExitAsync(), Task.Delay(timeout));
        Assert.True(done == _listening.Task, $"confer did not start.\nstdout: {Stdout}\nstderr: {Stderr}");
        await Task.Delay(300); // the banner lines after "listening on"
    }

    /// <summary>Ends the process (if it still runs) with its output drained; disposing again does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.WaitForExit(); // drains the output readers
        _process.Dispose();
    }

    private bool _disposed;
}
