using System.Security.Cryptography.X509Certificates;
using Confer.Server.Tls;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Server.Tests.Tls;

/// <summary>
/// The PEM reloader on a fake clock: a change is acted on once the files are quiet for the reload delay, a bad file
/// logs one warning and the old certificate stays, and good files are installed.
/// </summary>
public sealed class PemCertificateReloaderTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(2);
    private static readonly FileSystemEventArgs Changed = new(WatcherChangeTypes.Changed, "/", "cert.pem");

    [Fact]
    public void BadFile_LogsOneWarning_AndKeepsTheOldCertificate_UntilGoodFilesArrive()
    {
        using var pem = PemFiles.Create("first");
        var (certificates, time, log, reloader) = Start(pem);
        using var _ = reloader;
        var first = certificates.Current!.Thumbprint;

        File.WriteAllText(pem.CertificatePath, "-----BEGIN CERTIFICATE-----\nMIIB cut off here");
        reloader.OnChange(null, Changed);
        time.Advance(Delay - TimeSpan.FromMilliseconds(100));
        Assert.Empty(log.Lines);
        time.Advance(TimeSpan.FromMilliseconds(100));
        var warning = Assert.Single(log.Lines);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("still serving the previous certificate", warning.Text);
        Assert.Equal(first, certificates.Current!.Thumbprint);

        time.Advance(PemCertificateReloader.PollInterval); // the poll sees the same bad content: no second warning
        reloader.OnChange(null, Changed);
        time.Advance(Delay);
        Assert.Single(log.Lines);

        using var second = pem.Write("second");
        reloader.OnChange(null, Changed);
        time.Advance(Delay);
        Assert.Equal(second.Thumbprint, certificates.Current!.Thumbprint);
        Assert.Equal(LogLevel.Information, log.Lines[^1].Level);
    }

    [Fact]
    public void ChangesDuringTheQuietPeriod_PostponeTheReload()
    {
        using var pem = PemFiles.Create("first");
        var (certificates, time, _, reloader) = Start(pem);
        using var __ = reloader;
        var first = certificates.Current!.Thumbprint;

        using var second = pem.Write("second");
        reloader.OnChange(null, Changed);
        time.Advance(TimeSpan.FromSeconds(1.5));
        reloader.OnChange(null, Changed); // the writer is still at it
        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(first, certificates.Current!.Thumbprint);
        time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Equal(second.Thumbprint, certificates.Current!.Thumbprint);
    }

    [Fact]
    public void ChangeTheWatcherMissed_IsFoundByThePoll()
    {
        using var pem = PemFiles.Create("first");
        var (certificates, time, _, reloader) = Start(pem);
        using var __ = reloader;
        using var second = pem.Write("second");
        time.Advance(PemCertificateReloader.PollInterval);
        Assert.Equal(second.Thumbprint, certificates.Current!.Thumbprint);
    }

    [Fact]
    public void ExpiredReplacement_IsRefused_WithTheReason()
    {
        using var pem = PemFiles.Create("first");
        var (certificates, time, log, reloader) = Start(pem);
        using var __ = reloader;
        var first = certificates.Current!.Thumbprint;
        using var expired = pem.Write("expired", TimeSpan.FromDays(-1));
        reloader.OnChange(null, Changed);
        time.Advance(Delay);
        Assert.Equal(first, certificates.Current!.Thumbprint);
        Assert.Contains("expired on", Assert.Single(log.Lines).Text);
    }

    private static (ServerCertificates, FakeTimeProvider, CapturingLogger, PemCertificateReloader) Start(PemFiles pem)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var certificates = new ServerCertificates();
        var loaded = CertificateFiles.LoadFiles(pem.CertificatePath, pem.KeyPath, time.GetUtcNow());
        certificates.Install(loaded.Certificate, loaded.Chain);
        var log = new CapturingLogger();
        return (certificates, time, log, new PemCertificateReloader(pem.CertificatePath, pem.KeyPath, certificates, time, log, Delay));
    }

    private sealed class CapturingLogger : ILogger<PemCertificateReloader>
    {
        public List<(LogLevel Level, string Text)> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines) Lines.Add((logLevel, formatter(state, exception)));
        }
    }
}
