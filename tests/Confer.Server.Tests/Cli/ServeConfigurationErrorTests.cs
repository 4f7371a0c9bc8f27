using System.Diagnostics;

namespace Confer.Server.Tests.Cli;

/// <summary>
/// `confer serve` with an impossible value in a configuration section (here from the environment, as an operator would
/// set it): the process stops with one sentence naming the setting and exit code 2, never a stack trace.
/// </summary>
public sealed class ServeConfigurationErrorTests
{
    [Theory]
    [InlineData("Transport__Workers", "100", "Transport:Workers is 100")]
    [InlineData("Signaling__MaxFrameBytes", "10", "Signaling:MaxFrameBytes")]
    public async Task ImpossibleSetting_StopsWithOneSentence(string variable, string value, string expected)
    {
        var confer = Path.Combine(AppContext.BaseDirectory, "confer.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { confer, "serve", "--dev", "--bind", "127.0.0.1", "--http-port", "0", "--turn-port", "0", "--turn-tls-port", "0" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        info.Environment[variable] = value;
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"confer kept running with {variable}={value}: {await stdout}");
        }
        var errors = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, process.ExitCode);
        var line = Assert.Single(errors);
        Assert.StartsWith("confer: ", line);
        Assert.Contains(expected, line);
    }
}
