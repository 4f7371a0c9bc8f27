using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Confer.Server.Tests.Cli;

/// <summary>
/// The real <c>confer</c> binary as a process: exit codes and the one sentence on stderr (docs/configuration.md,
/// "Exit codes"): 0 valid, 2 an impossible setting, 3 a port in use.
/// </summary>
public sealed class ExitCodeTests : IDisposable
{
    private const string Long = "0123456789abcdef0123456789abcdef-long";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "confer-exit-" + Guid.NewGuid().ToString("N"));

    public ExitCodeTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args, Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "confer.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("CONFER_", StringComparison.Ordinal)).ToList()) info.Environment.Remove(name);
        foreach (var (k, v) in environment ?? []) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"confer {string.Join(' ', args)} kept running: {await stdout}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    private static void AssertOneSentence(string stderr, string expected)
    {
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("confer: " + expected, line);
    }

    [Fact]
    public async Task Serve_NoApiKey_Exit2()
    {
        var (code, _, stderr) = await RunAsync(["serve", "--bind", "127.0.0.1", "--http-port", "0", "--turn-port", "0"]);
        Assert.Equal(2, code);
        AssertOneSentence(stderr, "no API key: give one as \"key: secret\" with --keys-file, CONFER_KEYS or Signaling:Keys (apps mint join tokens with it), " +
            "or --turn-only (TurnOnly) for a STUN/TURN-only server.");
    }

    [Fact]
    public async Task Serve_UnknownKeyInTheFile_Exit2()
    {
        var path = Write("confer.json", """{ "Turn": { "RelayPort": "50000-60000" } }""");
        var (code, _, stderr) = await RunAsync(["serve", "--dev", "--config", path]);
        Assert.Equal(2, code);
        AssertOneSentence(stderr, $"{path} has an unknown setting 'Turn:RelayPort'; did you mean 'Turn:RelayPorts'? (every setting is in docs/configuration.md)");
    }

    [Fact]
    public async Task Serve_PortInUse_Exit3()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        int port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        var (code, _, stderr) = await RunAsync(["serve", "--dev", "--bind", "127.0.0.1", "--http-port", port.ToString(), "--turn-port", "0", "--turn-tls-port", "0"]);
        Assert.Equal(3, code);
        AssertOneSentence(stderr, $"--http-port (HttpPort) {port}: TCP port {port} on 127.0.0.1 is already in use by another program; stop that program or give another port.");
    }

    [Fact]
    public async Task Serve_TurnOnly_StartsWithoutKeys_FromTheConfigurationFile()
    {
        var path = Write("confer.json", """{ "TurnOnly": true, "Bind": "127.0.0.1", "HttpPort": 0, "Turn": { "Port": 0, "Realm": "example.org" } }""");
        await using var serve = ServeProcess.Start(["--config", path]);
        await serve.WaitListeningAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("confer: STUN/TURN only (--turn-only): no API keys, signaling refuses every token.", serve.Stdout);
        Assert.Equal("", serve.Stderr.Trim());
    }

    [Fact]
    public async Task Serve_ListensOnTheFlagsPort_OverTheEnvironments_OverTheFiles()
    {
        int[] ports = [FreePort(), FreePort(), FreePort()];
        var path = Write("confer.json", $$"""{ "Dev": true, "Bind": "127.0.0.1", "HttpPort": {{ports[0]}}, "HttpsPort": 0, "Turn": { "Port": 0, "TlsPort": 0 } }""");
        var environment = new Dictionary<string, string> { ["CONFER_HTTPPORT"] = ports[1].ToString() };
        await using (var serve = ServeProcess.Start(["--config", path], environment))
        {
            await serve.WaitListeningAsync(TimeSpan.FromSeconds(60));
            Assert.Contains($"confer: HTTP on 127.0.0.1:{ports[1]}: ", serve.Stdout);
        }
        await using (var serve = ServeProcess.Start(["--config", path, "--http-port", ports[2].ToString()], environment))
        {
            await serve.WaitListeningAsync(TimeSpan.FromSeconds(60));
            Assert.Contains($"confer: HTTP on 127.0.0.1:{ports[2]}: ", serve.Stdout);
        }
    }

    /// <summary>
    /// A port that is free now, chosen below Linux's ephemeral range (32768-60999): the other tests running in parallel
    /// bind port 0 and get ephemeral ports, so they cannot take this one between the check and the server's bind.
    /// </summary>
    private static int FreePort()
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int port = Random.Shared.Next(20000, 32000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Taken: try another.
            }
        }
        throw new InvalidOperationException("no free port between 20000 and 32000");
    }

    [Fact]
    public async Task ConfigCheck_Valid_Exit0_PrintsEverySettingWithItsSource_SecretsMasked()
    {
        var keys = Write("keys", $"app: {Long}\n");
        var path = Write("confer.json", $$"""{ "HttpPort": 8000, "Signaling": { "KeysFile": "{{keys}}" }, "Metrics": { "Token": "scrape-token-abcdef" } }""");
        var (code, stdout, stderr) = await RunAsync(["config", "check", "--config", path, "--turn-port", "3479", "--turn-secret", Long + "X"],
            new() { ["CONFER_TURN__REALM"] = "example.org" });
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains($"\nconfer: the configuration is valid (file {path})", stdout);
        Assert.Matches(@"\nHttpPort\s+8000\s+file \(HttpPort in ", stdout);
        Assert.Matches(@"\nTurn:Realm\s+example\.org\s+env CONFER_TURN__REALM", stdout);
        Assert.Matches(@"\nTurn:Port\s+3479\s+flag --turn-port", stdout);
        Assert.Matches(@"\nTurn:TlsPort\s+5349\s+default", stdout);
        Assert.Matches(@"\nSignaling:Keys\s+app: \*\*\*\*\s+file", stdout);
        Assert.Matches(@"\nTurn:Secret\s+\*\*\*\*\s+flag --turn-secret", stdout);
        Assert.Matches(@"\nMetrics:Token\s+\*\*\*\*\s+file", stdout);
        Assert.Contains("confer: WARNING: --turn-secret is on the command line", stdout);
        Assert.DoesNotContain(Long, stdout);
        Assert.DoesNotContain("scrape-token", stdout);
    }

    [Fact]
    public async Task ConfigCheck_Invalid_Exit2_WithTheSentence()
    {
        var path = Write("confer.json", """{ "Dev": true, "Turn": { "RelayPorts": "60000-60009" } }""");
        var (code, stdout, stderr) = await RunAsync(["config", "check", "--config", path]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        AssertOneSentence(stderr, "--relay-ports 60000-60009 (Turn:RelayPorts) holds 10 ports, fewer than the 10000 allocations --total-quota (Turn:TotalQuota) " +
            "allows, and each allocation needs its own port; widen the range or set --total-quota 10.");
    }
}
