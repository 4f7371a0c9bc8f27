using System.Globalization;
using System.Net;
using Confer.Turn.Tests.Infrastructure;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.TurnInterop;

/// <summary>Which TURN server a test drives: Confer under test, or coturn, which proves the test and its parsing.</summary>
public enum TurnServerKind
{
    Confer,
    Coturn,
}

/// <summary>How a server is configured for a group of tests.</summary>
public enum TurnProfile
{
    /// <summary>Long-term credentials (user:pass in realm example.org), TLS with a test certificate, loopback peers allowed.</summary>
    LongTerm,

    /// <summary>REST credentials from a shared secret (coturn's use-auth-secret), loopback peers allowed.</summary>
    Rest,

    /// <summary>Long-term credentials and no loopback peers: a relay to 127.0.0.1 must be refused with 403.</summary>
    NoLoopbackPeers,

    /// <summary>
    /// Long-term credentials with an IPv6 relay address (::1) for REQUESTED-ADDRESS-FAMILY IPv6. Confer has one
    /// --relay-ip: given ::1 it relays IPv6 there and IPv4 on the bind address. coturn gets both relay addresses.
    /// </summary>
    IPv6Relay,
}

/// <summary>
/// The TURN servers and the echo peer the interop tests share, each started on first use as a separate process
/// and killed by PID when the test class ends. Both servers get the same users, secret and certificate.
/// </summary>
public sealed class TurnServers : IAsyncLifetime
{
    public const string User = "user";
    public const string Password = "pass";
    public const string Realm = "example.org";
    public const string Secret = "interop-shared-secret-of-32-characters";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(TurnServerKind, TurnProfile), RunningTurnServer> _running = [];
    private TurnutilsPeer? _peer;
    private TestCertificate? _certificate;

    /// <summary>A running server: UDP/TCP address, TLS address (LongTerm only), and its output for failure messages.</summary>
    public sealed record RunningTurnServer(TurnServerKind Kind, IPEndPoint EndPoint, IPEndPoint? TlsEndPoint, int Pid, Func<string> Output, IAsyncDisposable Process)
    {
        /// <summary>Confer's HTTPS port, which serves TURN over TLS and TCP too (the long-term profile only).</summary>
        public IPEndPoint? HttpsEndPoint { get; init; }
    }

    internal async Task<TurnutilsPeer> GetPeerAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _peer ??= await TurnutilsPeer.StartAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<RunningTurnServer> GetAsync(TurnServerKind kind, TurnProfile profile)
    {
        await _gate.WaitAsync();
        try
        {
            if (_running.TryGetValue((kind, profile), out var running)) return running;
            _certificate ??= TestCertificate.Create(IPAddress.Loopback);
            running = kind == TurnServerKind.Confer ? await StartConferAsync(profile, _certificate) : await StartCoturnAsync(profile, _certificate);
            _running[(kind, profile)] = running;
            return running;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task<RunningTurnServer> StartConferAsync(TurnProfile profile, TestCertificate certificate)
    {
        // RFC 6062 relaying is opt-in (coturn's is on by default): the -T runs need it.
        var arguments = new List<string> { "--realm", Realm, "--tcp-relay" };
        arguments.AddRange(profile == TurnProfile.Rest ? ["--turn-secret", Secret] : ["--turn-user", $"{User}:{Password}"]);
        if (profile != TurnProfile.NoLoopbackPeers) arguments.Add("--allow-loopback-peers");
        if (profile == TurnProfile.IPv6Relay) arguments.AddRange(["--relay-ip", "::1"]);
        int? tlsPort = null, httpsPort = null;
        if (profile == TurnProfile.LongTerm)
        {
            tlsPort = FreePorts.FindTcp();
            httpsPort = FreePorts.FindTcp();
            arguments.AddRange(["--turn-tls-port", tlsPort.Value.ToString(CultureInfo.InvariantCulture),
                "--tls-cert", certificate.CertificatePath, "--tls-key", certificate.KeyPath]);
        }
        var confer = await ConferProcess.StartAsync(new ConferProcessOptions { ExtraArguments = arguments, Environment = TestTransport.ProcessEnvironment, HttpsPort = httpsPort ?? 0 });
        var tls = tlsPort is { } port ? new IPEndPoint(IPAddress.Loopback, port) : null;
        return new RunningTurnServer(TurnServerKind.Confer, confer.StunEndPoint, tls, confer.Pid, () => confer.Output, confer)
        {
            HttpsEndPoint = httpsPort is { } h ? new IPEndPoint(IPAddress.Loopback, h) : null,
        };
    }

    private static async Task<RunningTurnServer> StartCoturnAsync(TurnProfile profile, TestCertificate certificate)
    {
        if (!CoturnProcess.IsInstalled) throw new InvalidOperationException("coturn is not installed: run test.sh, which installs it.");
        var arguments = new List<string> { "--relay-ip=127.0.0.1", "--relay-ip=::1", $"--realm={Realm}", "--fingerprint" };
        arguments.AddRange(profile == TurnProfile.Rest
            ? ["--use-auth-secret", $"--static-auth-secret={Secret}"]
            : ["--lt-cred-mech", $"--user={User}:{Password}"]);
        if (profile != TurnProfile.NoLoopbackPeers) arguments.Add("--allow-loopback-peers");
        int? tlsPort = null;
        if (profile == TurnProfile.LongTerm)
        {
            tlsPort = FreePorts.FindTcp();
            arguments.AddRange([$"--tls-listening-port={tlsPort.Value.ToString(CultureInfo.InvariantCulture)}",
                $"--cert={certificate.CertificatePath}", $"--pkey={certificate.KeyPath}"]);
        }
        var coturn = await CoturnProcess.StartAsync(new CoturnProcessOptions { ExtraArguments = arguments, EnableTls = tlsPort is not null });
        var tls = tlsPort is { } port ? new IPEndPoint(IPAddress.Loopback, port) : null;
        return new RunningTurnServer(TurnServerKind.Coturn, coturn.StunEndPoint, tls, coturn.Pid, () => coturn.Output, coturn);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _running.Values) await server.Process.DisposeAsync();
        _running.Clear();
        if (_peer is not null) await _peer.DisposeAsync();
        _certificate?.Dispose();
        _gate.Dispose();
    }
}
