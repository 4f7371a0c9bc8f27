using Microsoft.Extensions.Logging;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Confer.Server.Tests.Acme;

/// <summary>A logger that keeps every line, for asserting on what an operator would read.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly List<(LogLevel Level, string Text)> _lines = [];

    public IReadOnlyList<(LogLevel Level, string Text)> Lines { get { lock (_lines) return _lines.ToArray(); } }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines) _lines.Add((logLevel, formatter(state, exception) + (exception is null ? "" : " EXCEPTION " + exception)));
    }
}

/// <summary>Keeps every line of every logger (Information and above) of a host.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToArray(); } }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(ListLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            lock (owner._lines) owner._lines.Add($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }
}

/// <summary>The real clock moved by <see cref="Shift"/>: timers stay real, "now" jumps (a renewal due without waiting months).</summary>
internal sealed class ShiftedTime : TimeProvider
{
    public TimeSpan Shift { get; set; }
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Shift;
}

/// <summary>A real TLS client: connects to 127.0.0.1, asks for <c>host</c>, and checks the served chain against a given root.</summary>
internal static class TlsProbe
{
    public static async Task<(X509Certificate2 Leaf, bool ChainsToRoot)> HandshakeAsync(int port, string host, X509Certificate2 root)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        X509Certificate2? leaf = null;
        bool trusted = false;
        await using var ssl = new SslStream(tcp.GetStream(), false, (_, certificate, chain, errors) =>
        {
            leaf = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
            using var check = new X509Chain();
            check.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            check.ChainPolicy.CustomTrustStore.Add(root);
            check.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            check.ChainPolicy.ExtraStore.AddRange(chain!.ChainPolicy.ExtraStore); // only what the server sent
            trusted = check.Build(leaf) && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
            return true;
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        }, cts.Token);
        return (leaf!, trusted);
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) until <paramref name="condition"/> holds.</summary>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(100);
        }
        return true;
    }
}
