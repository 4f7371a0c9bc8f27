using System.Diagnostics;
using System.Text;

namespace Confer.Turn.Tests.Infrastructure;

/// <summary>What a finished (or timed-out) external command printed.</summary>
internal sealed record CommandResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError, bool TimedOut)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    public override string ToString() =>
        $"`{CommandLine}` exited {(TimedOut ? "by timeout" : ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture))}\n" +
        $"--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}

/// <summary>
/// Runs a short-lived program (ip, nft, turnutils_stunclient…) with a hard time limit. A program still
/// running at the limit is killed by its own PID, never by name. No shell is involved unless the caller
/// runs one explicitly, so arguments need no quoting.
/// </summary>
internal static class ExternalCommand
{
    public static async Task<CommandResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        var commandLine = fileName + " " + string.Join(' ', info.ArgumentList);

        using var process = new Process { StartInfo = info };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new CommandResult(commandLine, -1, "", $"could not start {fileName}: {e.Message}", TimedOut: false);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        bool timedOut = false;
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            KillQuietly(process);
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
        process.WaitForExit(); // flushes the asynchronous output readers
        string output, error;
        lock (stdout) output = stdout.ToString();
        lock (stderr) error = stderr.ToString();
        return new CommandResult(commandLine, timedOut ? -1 : process.ExitCode, output, error, timedOut);
    }

    public static Task<CommandResult> RunAsync(string fileName, params string[] arguments) =>
        RunAsync(fileName, arguments, TimeSpan.FromSeconds(30));

    /// <summary>Runs the command and throws, with everything it printed, when it fails.</summary>
    public static async Task<string> RunCheckedAsync(string fileName, params string[] arguments)
    {
        var result = await RunAsync(fileName, arguments, TimeSpan.FromSeconds(30));
        if (!result.Succeeded) throw new InvalidOperationException(result.ToString());
        return result.StandardOutput;
    }

    /// <summary>True when <paramref name="program"/> is found on PATH (or is an existing absolute path).</summary>
    public static bool Exists(string program)
    {
        if (Path.IsPathRooted(program)) return File.Exists(program);
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Any(dir => File.Exists(Path.Combine(dir, program)));
    }

    /// <summary>Kills one process by its PID (SIGKILL); a process that already ended is fine.</summary>
    public static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // It ended between the check and the kill.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Same, reported by the OS.
        }
    }

    /// <summary>Kills a process started by a test by its PID, waits up to 10 s for it to end, and releases it.</summary>
    public static async Task StopAsync(Process process)
    {
        KillQuietly(process);
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // Left for the OS; nothing else to do without killing more broadly.
        }
        process.Dispose();
    }
}
