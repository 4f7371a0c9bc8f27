using System.Net;
using System.Net.Sockets;

namespace Confer.Server.Hosting.Configuration;

/// <summary>
/// The public address of this server, at most one per family: what TURN advertises as relayed addresses (while its
/// sockets stay bound to local ones, as behind a 1:1 NAT), what ICE server URLs name, and what the SFU's candidates
/// will carry. From <c>--public-ip</c>, or discovered at start (<see cref="PublicAddressDiscovery"/>).
/// </summary>
public sealed record PublicAddresses(IPAddress? V4, IPAddress? V6)
{
    public static readonly PublicAddresses None = new(null, null);

    public IEnumerable<IPAddress> All => new[] { V4, V6 }.OfType<IPAddress>();

    public bool IsEmpty => V4 is null && V6 is null;

    /// <summary>The public address of <paramref name="family"/>, or null.</summary>
    public IPAddress? For(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? V6 : V4;

    public PublicAddresses With(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? this with { V6 = address } : this with { V4 = address };

    /// <summary>Applies one <c>--public-ip</c> value; says what is wrong with it, or null.</summary>
    internal static string? Add(ServerOptions options, string text)
    {
        if (!IPAddress.TryParse(text.Trim(), out var address)) return "is not an IP address";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return "is not an address other machines can reach; give this server's public address";
        if (options.PublicIp.For(address.AddressFamily) is { } taken)
            return $"repeats a family: {taken} is already the public {(address.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")} address; give at most one of each family";
        options.PublicIp = options.PublicIp.With(address);
        return null;
    }
}
