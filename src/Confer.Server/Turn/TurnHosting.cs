using Confer.Server.Sfu;
using System.Net;
using System.Net.Sockets;
using Confer.Server.Hosting;
using Confer.Server.Transport;
using Confer.Transport;
using Confer.Transport.Engine;
using Confer.Transport.Streams;
using Confer.Transport.Udp;
using Confer.Turn;
using Confer.Turn.Handlers;
using Confer.Turn.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Confer.Server.Turn;

/// <summary>
/// Wires STUN/TURN into the host: binds the UDP sockets at build time (so with port 0 the chosen port is
/// known and TCP can use the same number), registers the services, and serves TURN over TCP on the epoll
/// engine (<see cref="TcpEngineListener"/>) where the transport runs one (<see cref="TransportRuntime"/>), else with
/// Kestrel, and TURN over TLS with Kestrel (<see cref="StreamConnectionHandler"/> with TURN's framer).
/// </summary>
internal static class TurnHosting
{
    public static void AddConferTurn(this WebApplicationBuilder builder, ServerOptions options)
    {
        var turn = CreateTurnOptions(options);
        var transport = builder.AddConferTransport();
        UdpListenerSet udp;
        TcpEngineListener? tcp;
        ExtraUdpListeners extra;
        try
        {
            (udp, tcp) = BindUdpAndTcp(options, transport.Engine);
            extra = BindExtraUdp(options, udp, tcp);
        }
        catch
        {
            transport.Dispose(); // no host will own it: its threads stop here
            throw;
        }
        IPEndPoint? tls = null;
        if (options.HasCertificateSource && !options.TurnTlsOnHttpsPort) // the certificate is ServerCertificates', chosen per handshake
        {
            tls = new IPEndPoint(options.Bind, options.TurnTlsPort); // port 0: Kestrel picks it when it binds (TurnEndpoints.Tls)
        }
        var udpEndpoints = new List<IPEndPoint>();
        for (int i = 0; i < 4; i++) if (udp[i] is { } e) udpEndpoints.Add(e.EndPoint);
        var endpoints = new TurnEndpoints(udp.Primary.EndPoint, udpEndpoints, udp[3]?.EndPoint)
        {
            ExtraUdp = [.. extra.Sets.Select(set => set.Primary.EndPoint)],
        };

        var services = builder.Services;
        services.AddSingleton(turn);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new TurnMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<StunDispatcher>();
        services.AddConferMediaPort(); // the IPacketHandler: ICE-lite checks and SFU media in front of StunDispatcher
        services.AddConferServerSfu(options); // with --topology sfu: the SFU takes what the media port hands on
        services.AddSingleton<IStreamFramer>(TurnStreamFramer.Instance);
        services.AddSingleton(_ => udp); // created by a factory so the container disposes it
        services.AddSingleton(_ => extra);
        // The runtime first: the container disposes in reverse order, so the engine stops after the sockets it serves.
        services.AddSingleton(sp => { sp.GetRequiredService<TransportRuntime>(); sp.GetRequiredService<UdpListenerSet>(); return endpoints; });
        services.AddHostedService<TurnUdpService>();
        if (tcp is not null)
        {
            services.AddSingleton(_ => tcp); // created by a factory so the container disposes it
            services.AddHostedService<TurnTcpService>();
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            // Plain TCP is served by the epoll engine where it runs (bound above); Kestrel takes it elsewhere.
            // The connection guard counts each connection in before anything else (TLS: before the handshake).
            if (tcp is null)
            {
                k.Listen(options.Bind, udp.Port, l =>
                {
                    l.UseStreamConnectionGuard(tls: false);
                    l.UseConnectionHandler<StreamConnectionHandler>();
                });
            }
            if (tls is not null)
            {
                k.Listen(tls, l =>
                {
                    endpoints.TlsListener = l;
                    l.UseStreamConnectionGuard(tls: true);
                    l.UseHttps(TurnCertificate.Handshake(k.ApplicationServices.GetRequiredService<Confer.Server.Tls.ServerCertificates>(), transport.Options.HandshakeTimeout)); // ALPN "stun.turn" (RFC 7443)
                    l.UseConnectionHandler<StreamConnectionHandler>();
                });
            }
        });
    }

    internal static TurnOptions CreateTurnOptions(ServerOptions options)
    {
        var turn = new TurnOptions
        {
            Realm = options.Realm,
            Secret = string.IsNullOrEmpty(options.TurnSecret) ? null : options.TurnSecret,
            RelayAddress = options.RelayIP ?? DefaultRelayAddress(options.Bind),
            RelayAddressV6 = options.RelayIPv6 ?? DefaultRelayAddressV6(options.Bind),
            AdvertisedRelayAddress = options.PublicIp.V4, // behind 1:1 NAT: bind locally, advertise the public address
            AdvertisedRelayAddressV6 = options.PublicIp.V6,
            MaxBytesPerSecond = options.MaxBytesPerSecond,
            BandwidthBurstBytes = options.BandwidthBurstBytes,
            MaxAllocationsPerUser = options.UserQuota,
            MaxAllocations = options.TotalQuota,
            MaxTcpConnectionsPerAllocation = options.TcpConnectionQuota,
            RelayPortMin = options.RelayPortMin,
            RelayPortMax = options.RelayPortMax,
            AllowLoopbackPeers = options.LoopbackPeersAllowed,
            TcpRelay = options.TcpRelay,
        };
        foreach (var range in options.AllowedPeers) turn.AllowedPeers.Add(IPNetwork.Parse(range));
        foreach (var user in options.TurnUsers)
        {
            int colon = user.IndexOf(':', StringComparison.Ordinal);
            turn.Users[user[..colon]] = user[(colon + 1)..];
        }
        return turn;
    }

    /// <summary>
    /// The bind address when it is concrete. Bound to "any", a relayed address still has to be a real
    /// one: the first IPv4 address of an interface that is up (not loopback), else loopback.
    /// </summary>
    private static IPAddress DefaultRelayAddress(IPAddress bind)
    {
        if (!bind.Equals(IPAddress.Any) && !bind.Equals(IPAddress.IPv6Any)) return bind;
        foreach (var nic in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != System.Net.NetworkInformation.OperationalStatus.Up) continue;
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                if (unicast.Address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(unicast.Address)) return unicast.Address;
        }
        return IPAddress.Loopback;
    }

    /// <summary>
    /// The IPv6 relay address for IPv6 and dual allocations: a concrete IPv6 bind address; bound to "::", the
    /// first global IPv6 address of an interface that is up (not loopback, not link-local), else none. Bound to
    /// IPv4 only there is none, and a dual Allocate gets its IPv4 relay with ADDRESS-ERROR-CODE 440 for IPv6.
    /// </summary>
    internal static IPAddress? DefaultRelayAddressV6(IPAddress bind)
    {
        if (bind.AddressFamily != AddressFamily.InterNetworkV6) return null;
        if (!bind.Equals(IPAddress.IPv6Any)) return bind.IsIPv4MappedToIPv6 ? null : bind;
        foreach (var nic in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != System.Net.NetworkInformation.OperationalStatus.Up) continue;
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var a = unicast.Address;
                if (a.AddressFamily == AddressFamily.InterNetworkV6 && !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal && !a.IsIPv4MappedToIPv6) return a;
            }
        }
        return null;
    }

    /// <summary>
    /// UDP first; then TCP on the same port: bound here when the epoll engine serves it, else only checked to be free
    /// (Kestrel binds it). With port 0, retries until both are.
    /// </summary>
    private static (UdpListenerSet Udp, TcpEngineListener? Tcp) BindUdpAndTcp(ServerOptions options, EpollEngine? engine)
    {
        int loops = Math.Max(1, Environment.ProcessorCount);
        for (int attempt = 0; ; attempt++)
        {
            var udp = UdpListenerSet.Bind(options.Bind, options.TurnPort, options.AltIP, options.AltPort, loops);
            try
            {
                var tcp = TcpEngineListener.TryBind(engine, options.Bind, udp.Port);
                if (tcp is not null || TcpPortFree(options.Bind, udp.Port)) return (udp, tcp);
            }
            catch (SocketException)
            {
                // Taken: as below.
            }
            udp.DisposeAsync().AsTask().GetAwaiter().GetResult();
            if (options.TurnPort != 0 || attempt >= 20)
                throw new IOException($"TCP {ConferHost.Describe(options.Bind, udp.Port)}: address already in use");
        }
    }

    /// <summary>
    /// The <c>--turn-udp-port</c> sockets: UDP only (TCP on such a port, 443 above all, is HTTPS's), one set each with no
    /// RFC 5780 alternate. A port in use fails the start with a sentence that names it; what was bound is closed again.
    /// </summary>
    private static ExtraUdpListeners BindExtraUdp(ServerOptions options, UdpListenerSet udp, TcpEngineListener? tcp)
    {
        var sets = new List<UdpListenerSet>(options.TurnExtraUdpPorts.Count);
        try
        {
            foreach (int port in options.TurnExtraUdpPorts)
            {
                try
                {
                    sets.Add(UdpListenerSet.Bind(options.Bind, port, null, 0, Math.Max(1, Environment.ProcessorCount)));
                }
                catch (Exception e) when (e is IOException or SocketException)
                {
                    throw new IOException($"--turn-udp-port: UDP {ConferHost.Describe(options.Bind, port)}: {e.Message}", e);
                }
            }
            return new ExtraUdpListeners(sets);
        }
        catch
        {
            foreach (var set in sets) set.DisposeAsync().AsTask().GetAwaiter().GetResult();
            udp.DisposeAsync().AsTask().GetAwaiter().GetResult();
            tcp?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    private static bool TcpPortFree(IPAddress bind, int port)
    {
        using var socket = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (bind.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
        // Like Kestrel on Unix: TIME_WAIT leftovers must not make a free port look taken.
        if (!OperatingSystem.IsWindows()) socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(new IPEndPoint(bind, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
