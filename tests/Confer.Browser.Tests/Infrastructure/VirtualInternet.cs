using System.Globalization;
using System.Net;

namespace Confer.Browser.Tests.Infrastructure;

/// <summary>
/// A home network behind a NAT: a router namespace (WAN on the internet bridge, masquerade, no unsolicited
/// inbound) and a host namespace on its LAN. The host has a route to the internet's range only.
/// </summary>
internal sealed record NatHome(NetworkNamespace Router, NetworkNamespace Host, IPAddress WanAddress, IPAddress RouterLanAddress, IPAddress HostAddress);

/// <summary>
/// A small private internet on this machine, built from network namespaces (see shared TESTING.md):
/// <code>
///   [internet ns]  bridge br0 198.19.0.1/24  &lt;- servers under test listen here
///        |  (veth)
///   [router ns i]  wan 198.19.0.(10+i)  masquerade  lan 198.18.i.1/24
///        |  (veth)
///   [home ns i]    eth0 198.18.i.2/24, route to 198.19.0.0/24 via the router
/// </code>
/// Only the reserved benchmarking range 198.18.0.0/15 is used, no namespace is linked to the machine's own
/// network and nothing has a default route, so no packet can leave the machine. Disposing removes every
/// namespace it made, in reverse order.
/// </summary>
internal sealed class VirtualInternet : IAsyncDisposable
{
    /// <summary>The internet bridge's own address: servers running in <see cref="Internet"/> bind it.</summary>
    public static readonly IPAddress ServerAddress = IPAddress.Parse("198.19.0.1");

    private readonly List<NetworkNamespace> _made = [];
    private int _homes;

    private VirtualInternet(NetworkNamespace internet)
    {
        Internet = internet;
        _made.Add(internet);
    }

    /// <summary>The namespace holding the bridge; start servers here (<c>ip netns exec</c>).</summary>
    public NetworkNamespace Internet { get; }

    public static async Task<VirtualInternet> CreateAsync()
    {
        var internet = new VirtualInternet(await NetworkNamespace.CreateAsync("inet"));
        try
        {
            await internet.Internet.IpAsync("link", "add", "br0", "type", "bridge");
            await internet.Internet.IpAsync("addr", "add", $"{ServerAddress}/24", "dev", "br0");
            await internet.Internet.IpAsync("link", "set", "br0", "up");
            return internet;
        }
        catch
        {
            await internet.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds a router doing NAT (endpoint-independent mapping, like a typical home router) and a host behind it.</summary>
    public async Task<NatHome> AddNatHomeAsync()
    {
        int index = ++_homes;
        if (index > 200) throw new InvalidOperationException("At most 200 homes.");
        var wan = IPAddress.Parse($"198.19.0.{(10 + index).ToString(CultureInfo.InvariantCulture)}");
        var routerLan = IPAddress.Parse($"198.18.{index.ToString(CultureInfo.InvariantCulture)}.1");
        var hostAddress = IPAddress.Parse($"198.18.{index.ToString(CultureInfo.InvariantCulture)}.2");
        string port = $"r{index}"; // the router's port on the bridge, inside the internet namespace

        var router = await NetworkNamespace.CreateAsync($"rt{index}");
        _made.Add(router);
        var host = await NetworkNamespace.CreateAsync($"h{index}");
        _made.Add(host);

        // Router WAN: a veth made inside the router with its peer inside the internet namespace, on the bridge.
        await router.IpAsync("link", "add", "wan", "type", "veth", "peer", "name", port, "netns", Internet.Name);
        await Internet.IpAsync("link", "set", port, "master", "br0");
        await Internet.IpAsync("link", "set", port, "up");
        await router.IpAsync("addr", "add", $"{wan}/24", "dev", "wan");
        await router.IpAsync("link", "set", "wan", "up");

        // Router LAN to the host.
        await router.IpAsync("link", "add", "lan", "type", "veth", "peer", "name", "eth0", "netns", host.Name);
        await router.IpAsync("addr", "add", $"{routerLan}/24", "dev", "lan");
        await router.IpAsync("link", "set", "lan", "up");
        await host.IpAsync("addr", "add", $"{hostAddress}/24", "dev", "eth0");
        await host.IpAsync("link", "set", "eth0", "up");
        await host.IpAsync("route", "add", "198.19.0.0/24", "via", routerLan.ToString());

        await router.SetSysctlAsync("net/ipv4/ip_forward", "1");
        // Masquerade on the WAN; drop what arrives on the WAN unless it belongs to a flow the LAN started
        // (without the guard, an early inbound packet creates its own conntrack entry and the NAT turns symmetric).
        await router.ApplyNftablesAsync("""
            table ip confer_nat {
              chain postrouting { type nat hook postrouting priority srcnat; policy accept; oifname "wan" masquerade; }
            }
            table inet confer_guard {
              chain input { type filter hook input priority filter; policy accept; iifname "wan" ct state established,related accept; iifname "wan" drop; }
              chain forward { type filter hook forward priority filter; policy accept; iifname "wan" ct state established,related accept; iifname "wan" drop; }
            }
            """);
        return new NatHome(router, host, wan, routerLan, hostAddress);
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = _made.Count - 1; i >= 0; i--) await _made[i].DisposeAsync();
        _made.Clear();
    }
}
