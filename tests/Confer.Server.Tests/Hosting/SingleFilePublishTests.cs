using System.Diagnostics;
using System.Globalization;

namespace Confer.Server.Tests.Hosting;

/// <summary>
/// Issue 16, item 7: <c>dotnet publish src/Confer.Server -c Release -r linux-x64</c> gives one self-contained file,
/// <c>confer</c>, with the web app inside. The file is run alone in an empty folder (no .NET on the path it needs, no
/// wwwroot, no CONFER_CLIENT_DIR) and must serve the app, the SDK and a meeting page, then stop gracefully on SIGTERM.
/// </summary>
public sealed class SingleFilePublishTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("confer-publish-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Confer.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no Confer.slnx above {AppContext.BaseDirectory}");
    }

    private static string Entries(string dir) => string.Join(", ", Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

    private static async Task<(int Code, string Output)> RunAsync(ProcessStartInfo info, TimeSpan timeout)
    {
        info.RedirectStandardOutput = info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{info.FileName} {string.Join(' ', info.ArgumentList)} did not finish within {timeout.TotalSeconds:0} s");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task Publish_LinuxX64_OneFileThatServesTheAppAlone()
    {
        var output = Path.Combine(_dir, "publish");
        var publish = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "publish", Path.Combine(RepositoryRoot(), "src", "Confer.Server", "Confer.Server.csproj"), "-c", "Release", "-r", "linux-x64",
                "-o", output, "-nologo", "-v:q", "-nodeReuse:false", "-p:UseSharedCompilation=false",
                // Offline: test.sh restores for linux-x64 before the tests. A restore here would ask the feed for the
                // version ranges of transitive packages whenever NuGet's 30-minute HTTP cache has aged, and fail.
                "--no-restore" },
        };
        publish.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0"; // leave no build server running after the test
        var clock = Stopwatch.StartNew();
        var (code, log) = await RunAsync(publish, TimeSpan.FromMinutes(4));
        Assert.True(code == 0, $"dotnet publish failed ({code}){(log.Contains("NETSDK1047", StringComparison.Ordinal)
            ? " because nothing is restored for linux-x64: run `dotnet restore src/Confer.Server -r linux-x64 -p:_RequiresILLinkPack=true` first, as test.sh does" : "")}:\n{log}");
        var took = clock.Elapsed;

        Assert.Equal("confer", Entries(output));

        // Alone in an empty folder, as on a server: /usr/local/bin/confer and nothing else.
        var alone = Path.Combine(_dir, "alone");
        Directory.CreateDirectory(alone);
        var binary = Path.Combine(alone, "confer");
        File.Copy(Path.Combine(output, "confer"), binary);
        Console.WriteLine($"dotnet publish -r linux-x64: {took.TotalSeconds:0.0} s, one file of {new FileInfo(binary).Length / 1048576.0:0.0} MiB");

        int http = DrainClient.FreePort(), turn = DrainClient.FreePort();
        var serve = new ProcessStartInfo(binary)
        {
            WorkingDirectory = alone,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "serve", "--dev", "--bind", "127.0.0.1", "--http-port", http.ToString(CultureInfo.InvariantCulture),
                "--turn-port", turn.ToString(CultureInfo.InvariantCulture), "--turn-tls-port", "0", "--https-port", "0", "--drain-timeout", "2s" },
        };
        serve.Environment.Remove("CONFER_CLIENT_DIR");
        serve.Environment.Remove("DOTNET_ROOT"); // self-contained: it must not need an installed runtime
        using var process = Process.Start(serve)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}"), Timeout = TimeSpan.FromSeconds(5) };
            var started = Stopwatch.StartNew();
            while (await DrainClient.ReadyAsync(client) != 200)
            {
                if (process.HasExited) Assert.Fail($"confer exited ({process.ExitCode}): {await stderr}");
                Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), "the published confer did not become ready within 30 s");
                await Task.Delay(100);
            }

            foreach (var (path, type, expected) in new[]
            {
                ("/", "text/html", "<html"),
                ("/room/team-sync", "text/html", "<html"),
                ("/sdk/confer.js", "text/javascript", "export"),
                ("/sdk/index.d.ts", "text/plain", "export declare class Room"),
                ("/app/app.css", "text/css", "{"),
            })
            {
                using var response = await client.GetAsync(path);
                Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}");
                Assert.StartsWith(type, response.Content.Headers.ContentType?.ToString());
                Assert.Contains(expected, await response.Content.ReadAsStringAsync());
            }

            DrainClient.Signal(process.Id, "TERM");
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await process.WaitForExitAsync(cts.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        Assert.Equal("confer", Entries(alone)); // it wrote nothing beside itself
        _ = await stdout;
    }
}
