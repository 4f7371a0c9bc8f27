using System.Net;
using Confer.Server.Hosting;
using Confer.Server.Turn;
using Confer.Sfu.Session;
using Confer.Signaling;
using Confer.Signaling.Media;

namespace Confer.Server.Sfu;

/// <summary>
/// Puts Confer's SFU on the media port when <c>Signaling:Topology</c> is <c>sfu</c> or <c>auto</c>: its transports take the ICE
/// checks and media the port's demultiplexer hands on (Transport/MediaPortHandler.cs), and rooms reach it as their
/// <see cref="IMediaPlane"/>.
/// </summary>
internal static class ServerSfuHosting
{
    public static IServiceCollection AddConferServerSfu(this IServiceCollection services, ServerOptions options)
    {
        if (!Topologies.NeedsSfu(options.Signaling.Topology)) return services;
        services.AddConferSfu(sp => new SfuServiceOptions
        {
            UdpCandidates = () => Candidates(options, sp.GetRequiredService<TurnEndpoints>()),
            TcpCandidates = () => TcpCandidates(options, sp.GetService<Tls.HttpsListener>()),
        });
        services.AddSingleton<IMediaPlane>(sp => new SfuMediaPlane(sp.GetRequiredService<SfuService>()));
        return services;
    }

    /// <summary>
    /// The host candidates clients dial: the public address(es) when known (<c>--public-ip</c> or discovered), else the
    /// address the media port is bound to, else loopback (a wildcard bind without a public address: a local test).
    /// </summary>
    internal static IReadOnlyList<IPEndPoint> Candidates(ServerOptions options, TurnEndpoints turn)
    {
        int port = turn.Primary.Port;
        var list = new List<IPEndPoint>(2);
        if (options.PublicIp.V4 is { } v4) list.Add(new IPEndPoint(v4, port));
        if (options.PublicIp.V6 is { } v6) list.Add(new IPEndPoint(v6, port));
        if (list.Count > 0) return list;
        var bound = turn.Primary.Address;
        list.Add(new IPEndPoint(bound.Equals(IPAddress.Any) || bound.Equals(IPAddress.IPv6Any) ? IPAddress.Loopback : bound, port));
        return list;
    }

    /// <summary>
    /// ICE-TCP's passive candidates (RFC 6544): the HTTPS port (Tls/SharedPort.cs hands ICE-TCP on), at the public
    /// address(es) when known, else the bound one, else loopback. None when HTTPS does not run.
    /// </summary>
    internal static IReadOnlyList<IPEndPoint> TcpCandidates(ServerOptions options, Tls.HttpsListener? https)
    {
        if (https?.EndPoint is not { } bound) return [];
        var list = new List<IPEndPoint>(2);
        if (options.PublicIp.V4 is { } v4) list.Add(new IPEndPoint(v4, bound.Port));
        if (options.PublicIp.V6 is { } v6) list.Add(new IPEndPoint(v6, bound.Port));
        if (list.Count > 0) return list;
        var address = bound.Address;
        list.Add(new IPEndPoint(address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) ? IPAddress.Loopback : address, bound.Port));
        return list;
    }
}
