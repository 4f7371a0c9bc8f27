using System.Net;
using Confer.Turn.Tests.Infrastructure;
using Confer.Turn.Tests.Support;

namespace Confer.Turn.Tests.Interop;

/// <summary>Which server a test talks to: Confer under test, or coturn as the anchor that proves the test itself.</summary>
public enum StunServerKind
{
    Confer,
    Coturn,
}

/// <summary>
/// The STUN servers the interop tests share, each started on first use as a separate process and killed at the
/// end of the test class: Confer and coturn, each plain (one address) and with an RFC 5780 second address
/// (127.0.0.1 primary, 127.0.0.2 alternate, alternate port = port + 1).
/// </summary>
public sealed class StunServers : IAsyncLifetime
{
    public static readonly IPAddress Primary = IPAddress.Loopback;
    public static readonly IPAddress Alternate = IPAddress.Parse("127.0.0.2");

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(StunServerKind, bool), RunningServer> _running = [];

    /// <summary>A running server and where it listens.</summary>
    public sealed record RunningServer(StunServerKind Kind, IPEndPoint Primary, IPEndPoint? Alternate, Func<string> Output, IAsyncDisposable Process);

    public async Task<RunningServer> GetAsync(StunServerKind kind, bool rfc5780)
    {
        await _gate.WaitAsync();
        try
        {
            if (_running.TryGetValue((kind, rfc5780), out var running)) return running;
            running = kind switch
            {
                StunServerKind.Confer => await StartConferAsync(rfc5780),
                _ => await StartCoturnAsync(rfc5780),
            };
            _running[(kind, rfc5780)] = running;
            return running;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task<RunningServer> StartConferAsync(bool rfc5780)
    {
        var confer = await ConferProcess.StartAsync(new ConferProcessOptions { Bind = Primary, AltIP = rfc5780 ? Alternate : null, Environment = TestTransport.ProcessEnvironment });
        return new RunningServer(StunServerKind.Confer, confer.StunEndPoint, confer.AlternateEndPoint, () => confer.Output, confer);
    }

    private static async Task<RunningServer> StartCoturnAsync(bool rfc5780)
    {
        if (!CoturnProcess.IsInstalled) throw new InvalidOperationException("coturn is not installed: run test.sh, which installs it.");
        var coturn = await CoturnProcess.StartAsync(new CoturnProcessOptions { ListeningIPs = rfc5780 ? [Primary, Alternate] : [Primary] });
        var alternate = rfc5780 ? new IPEndPoint(Alternate, coturn.Port + 1) : null;
        return new RunningServer(StunServerKind.Coturn, coturn.StunEndPoint, alternate, () => coturn.Output, coturn);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _running.Values) await server.Process.DisposeAsync();
        _running.Clear();
        _gate.Dispose();
    }
}
