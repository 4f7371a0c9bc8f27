using System.Net;
using System.Net.Sockets;
using Confer.Server.Turn;

namespace Confer.Server.Hosting.Configuration;

/// <summary>
/// What Confer tells clients its address is (relayed addresses, ICE server URLs), and the warning when that address is
/// one only this machine or this network can reach while the server listens on every interface.
/// </summary>
internal static class AdvertisedAddress
{
    /// <summary>The IPv4 address clients are given: the public one, else the relay address TURN binds to.</summary>
    public static IPAddress Of(ServerOptions options) =>
        options.PublicIp.V4 ?? options.PublicIp.V6 ?? TurnHosting.CreateTurnOptions(options).RelayAddress ?? options.Bind;

    /// <summary>The warning for <paramref name="options"/>, or null.</summary>
    public static string? Warning(ServerOptions options)
    {
        bool all = options.Bind.Equals(IPAddress.Any) || options.Bind.Equals(IPAddress.IPv6Any);
        if (!all) return null;
        var address = Of(options);
        var kind = Kind(address);
        if (kind is null) return null;
        return $"confer: WARNING: Confer listens on all interfaces but would give clients {address} as its address (relayed addresses, " +
            $"ICE servers), {kind}; if clients come from elsewhere, set --public-ip (PublicIp:Address) or PublicIp:StunServer.";
    }

    /// <summary>"a loopback address…" when only this host or its network reaches <paramref name="address"/>; null for a public one.</summary>
    public static string? Kind(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return "a loopback address that only this machine reaches";
        if (address.IsIPv6LinkLocal) return "a link-local address that only this network segment reaches";
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            if (b[0] == 169 && b[1] == 254) return "a link-local address that only this network segment reaches";
            if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168) || (b[0] == 100 && (b[1] & 0xC0) == 64))
                return "a private address that machines outside this network cannot reach";
            return null;
        }
        if (address.IsIPv6UniqueLocal || address.IsIPv6SiteLocal) return "a private address that machines outside this network cannot reach";
        return null;
    }
}
