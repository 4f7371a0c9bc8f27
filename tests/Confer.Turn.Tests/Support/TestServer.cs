using System.Net;
using Confer.Transport.Engine;
using Confer.Transport.Streams;
using Confer.Transport.Udp;
using Confer.Turn.Handlers;
using Confer.Turn.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Confer.Turn.Tests.Support;

/// <summary>
/// A STUN/TURN server on 127.0.0.1 with real sockets: UDP loops plus TCP on the same port, served as `confer` serves
/// it (the epoll engine's listener where the engine runs) or, with <c>kestrel: true</c>, by Kestrel (as TLS always is).
/// Time is a <see cref="FakeTimeProvider"/>.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    private WebApplication? _tcp;
    private TcpEngineListener? _engineTcp;
    private EpollEngine? _engine;

    private TestServer(TurnOptions options, UdpListenerSet udp, StunDispatcher dispatcher, FakeTimeProvider time, TurnMetrics metrics, StreamConnectionGuard? guard)
    {
        Guard = guard;
        Options = options;
        Udp = udp;
        Dispatcher = dispatcher;
        Time = time;
        Metrics = metrics;
    }

    public TurnOptions Options { get; }
    public UdpListenerSet Udp { get; }
    public StunDispatcher Dispatcher { get; }
    public FakeTimeProvider Time { get; }
    public TurnMetrics Metrics { get; }

    /// <summary>The TCP connection guard, when the test gave one (it runs on real time, not on <see cref="Time"/>).</summary>
    public StreamConnectionGuard? Guard { get; }
    public IPEndPoint UdpEndPoint => Udp.Primary.EndPoint;
    public IPEndPoint TcpEndPoint => new(IPAddress.Loopback, Udp.Port);

    /// <summary>True when TCP is served by the relay engine's listener.</summary>
    public bool EngineTcp => _engineTcp is not null;

    /// <summary>Client connections the engine's TCP listener has open (0 with Kestrel).</summary>
    public int OpenTcpConnections => _engineTcp?.OpenConnections ?? 0;

    public static async Task<TestServer> StartAsync(TurnOptions? options = null, IPAddress? alternate = null, bool tcp = false, bool kestrel = false, StreamConnectionGuard? guard = null, EpollEngine? engine = null)
    {
        options ??= new TurnOptions();
        engine ??= TestTransport.Engine;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var metrics = new TurnMetrics();
        var dispatcher = StunDispatcherFactory.Create(options, metrics, time);
        // The UDP port is picked by the kernel; the same TCP port can be some connection's ephemeral port (tests open
        // many): then take another pair, as `confer` does with port 0.
        for (int attempt = 0; ; attempt++)
        {
            var udp = UdpListenerSet.Bind(IPAddress.Loopback, 0, alternate, 0, 2);
            udp.Start(dispatcher, engine, NullLogger.Instance);
            var server = new TestServer(options, udp, dispatcher, time, metrics, guard) { _engine = engine };
            try
            {
                if (tcp && !kestrel) server.StartEngineTcp();
                if (tcp && server._engineTcp is null) await server.StartTcpAsync();
                return server;
            }
            catch (Exception e) when (attempt < 20 && e is IOException or System.Net.Sockets.SocketException)
            {
                if (server._tcp is not null) await server._tcp.DisposeAsync();
                await udp.DisposeAsync();
            }
        }
    }

    private void StartEngineTcp()
    {
        _engineTcp = TcpEngineListener.TryBind(_engine, IPAddress.Loopback, Udp.Port);
        _engineTcp?.Start(Dispatcher, TurnStreamFramer.Instance, NullLogger.Instance, Guard);
    }

    private async Task StartTcpAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IPacketHandler>(Dispatcher);
        builder.Services.AddSingleton<IStreamFramer>(TurnStreamFramer.Instance);
        if (Guard is not null) builder.Services.AddSingleton(Guard);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, Udp.Port, l =>
        {
            l.UseStreamConnectionGuard(tls: false);
            l.UseConnectionHandler<StreamConnectionHandler>();
        }));
        _tcp = builder.Build();
        await _tcp.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_tcp is not null) await _tcp.DisposeAsync();
        if (_engineTcp is not null) await _engineTcp.DisposeAsync();
        await Udp.DisposeAsync();
        Dispatcher.Dispose();
        Metrics.Dispose();
        Guard?.Dispose();
    }
}
