using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confer.Server.Acme;
using Confer.Server.Tls;
using Microsoft.Extensions.Logging;

namespace Confer.Server.Tests.Acme;

/// <summary>What an operator reads when the CA cannot be reached, and when a --domain value is impossible.</summary>
public sealed class AcmeServiceFailureTests
{
    [Fact]
    public async Task Service_CaUnreachable_OneWarningSentence_NoCertificate_KeepsRunning()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        int port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there now
        string dataDir = Directory.CreateTempSubdirectory("confer-acme-").FullName;
        var logger = new ListLogger<AcmeCertificateService>();
        var certificates = new ServerCertificates();
        var service = new AcmeCertificateService(new AcmeSettings(["meet.example.org"], new Uri($"https://127.0.0.1:{port}/dir"), null, null, dataDir),
            certificates, TimeProvider.System, logger);
        await service.StartAsync(CancellationToken.None);
        bool warned = await TlsProbe.UntilAsync(() => logger.Lines.Any(l => l.Level == LogLevel.Warning), TimeSpan.FromSeconds(20));
        Assert.False(service.ExecuteTask!.IsCompleted);
        await service.StopAsync(CancellationToken.None);
        Directory.Delete(dataDir, recursive: true);
        Assert.True(warned);
        Assert.Null(certificates.Current);
        Assert.Equal("ACME: no certificate this time: Could not reach the ACME server (ConnectionRefused). Trying again in 2 minutes.",
            logger.Lines.Single(l => l.Level == LogLevel.Warning).Text);
    }

    [Theory]
    [InlineData("*.example.org", "--domain '*.example.org' is a wildcard")]
    [InlineData("meet.example.org,203.0.113.5", "--domain '203.0.113.5' is an IP address")]
    public async Task Serve_ImpossibleDomain_StopsWithOneSentence(string domain, string expected)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "confer.dll"), "serve", "--dev", "--bind", "127.0.0.1", "--http-port", "0",
                "--turn-port", "0", "--turn-tls-port", "0", "--domain", domain },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill();
            Assert.Fail($"confer kept running with --domain {domain}: {await stdout}");
        }
        Assert.Equal(2, process.ExitCode);
        var line = Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("confer: " + expected, line, StringComparison.Ordinal);
    }
}
