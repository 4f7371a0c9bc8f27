using System.Security.Cryptography;

namespace Confer.Server.Tls;

/// <summary>
/// Watches <c>--tls-cert</c>/<c>--tls-key</c> and installs the new certificate into <see cref="ServerCertificates"/> when
/// they change, without a restart. A writer replaces two files (and tools like certbot swap symlinks), so a change is
/// acted on once the files have been quiet for the reload delay. Files that cannot be used — half written, a key that
/// does not match, expired — log one warning per distinct content and the previous certificate keeps being served.
/// A poll every minute catches changes the watcher misses (network file systems, directories replaced whole).
/// </summary>
internal sealed partial class PemCertificateReloader : IHostedService, IDisposable
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMinutes(1);

    private readonly string _certificatePath;
    private readonly string _keyPath;
    private readonly ServerCertificates _certificates;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _delay;
    private readonly Lock _gate = new();
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly ITimer _debounce;
    private readonly ITimer _poll;
    private byte[]? _lastContent;

    public PemCertificateReloader(string certificatePath, string keyPath, ServerCertificates certificates, TimeProvider time, ILogger<PemCertificateReloader> logger, TimeSpan delay)
    {
        _certificatePath = Path.GetFullPath(certificatePath);
        _keyPath = Path.GetFullPath(keyPath);
        _certificates = certificates;
        _time = time;
        _logger = logger;
        _delay = delay;
        _lastContent = ContentHash(); // what the host installed at start
        _debounce = _time.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _poll = _time.CreateTimer(_ => Reload(), null, PollInterval, PollInterval);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var directory in new[] { Path.GetDirectoryName(_certificatePath)!, Path.GetDirectoryName(_keyPath)! }.Distinct())
        {
            var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.DirectoryName };
            watcher.Changed += OnChange;
            watcher.Created += OnChange;
            watcher.Deleted += OnChange;
            watcher.Renamed += OnChange;
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
        return Task.CompletedTask;
    }

    /// <summary>Any change in the folders restarts the quiet period (symlinked files change under other names).</summary>
    internal void OnChange(object? sender, FileSystemEventArgs e) => _debounce.Change(_delay, Timeout.InfiniteTimeSpan);

    /// <summary>Loads the files when their content differs from the last seen; installs them or keeps the old certificate.</summary>
    internal void Reload()
    {
        lock (_gate)
        {
            var content = ContentHash();
            if (content is null || (_lastContent is not null && content.AsSpan().SequenceEqual(_lastContent))) return;
            _lastContent = content;
            try
            {
                var loaded = CertificateFiles.LoadFiles(_certificatePath, _keyPath, _time.GetUtcNow());
                _certificates.Install(loaded.Certificate, loaded.Chain);
                LogReloaded(_logger, _certificatePath, loaded.Certificate.Subject, loaded.Certificate.NotAfter.ToUniversalTime());
            }
            catch (CertificateFileException e)
            {
                LogUnusable(_logger, _certificatePath, _keyPath, e.Message);
            }
        }
    }

    /// <summary>SHA-256 over both files, or null while one cannot be read (then the next change or poll tries again).</summary>
    private byte[]? ContentHash()
    {
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(File.ReadAllBytes(_certificatePath));
            hash.AppendData([0]);
            hash.AppendData(File.ReadAllBytes(_keyPath));
            return hash.GetHashAndReset();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers) watcher.Dispose();
        _watchers.Clear();
        _debounce.Dispose();
        _poll.Dispose();
    }

    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "TLS certificate reloaded from {Path}: {Subject}, valid until {NotAfter:yyyy-MM-dd HH:mm} UTC")]
    private static partial void LogReloaded(ILogger logger, string path, string subject, DateTime notAfter);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Warning, Message = "TLS certificate files {Certificate} and {Key} changed but cannot be used ({Reason}); still serving the previous certificate")]
    private static partial void LogUnusable(ILogger logger, string certificate, string key, string reason);
}
