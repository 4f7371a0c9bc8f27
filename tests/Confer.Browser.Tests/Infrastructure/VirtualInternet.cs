using System.Globalization;
using System.Net;

namespace Confer.Browser.Tests.Infrastructure;

/// <summary>
/// A home network behind a NAT: a router namespace (WAN on the internet bridge, masquerade, no unsolicited
/// inbound) and a host namespace on its LAN. The host has a route to the internet's range only.
/// </summary>
internal sealed record NatHome(NetworkNamespace Router, NetworkNamespace Host, IPAddress WanAddress, IPAddress RouterLanAddress, IPAddress HostAddress);

/// <summary>How a router maps its LAN hosts' flows to WAN ports.</summary>
internal enum NatMapping
{
    /// <summary>Plain masquerade: a host's source port is kept when free, the same for every destination (RFC 4787 endpoint-independent).</summary>
    EndpointIndependent,

    /// <summary>Masquerade with <c>fully-random</c>: every new flow (each destination) gets a fresh random port, like a symmetric NAT.</summary>
    Symmetric,
}

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
    private readonly bool _ipv4Only;
    private int _homes;

    private VirtualInternet(NetworkNamespace internet, bool ipv4Only)
    {
        Internet = internet;
        _ipv4Only = ipv4Only;
        _made.Add(internet);
    }

    /// <summary>The namespace holding the bridge; start servers here (<c>ip netns exec</c>).</summary>
    public NetworkNamespace Internet { get; }

    /// <param name="ipv4Only">
    /// Turn IPv6 off in every namespace before its links come up: an IPv6 link-local address finishing duplicate
    /// address detection after link-up makes Chromium see a network change (ERR_NETWORK_CHANGED) mid page load.
    /// </param>
    public static async Task<VirtualInternet> CreateAsync(bool ipv4Only = false)
    {
        var internet = new VirtualInternet(await NetworkNamespace.CreateAsync("inet"), ipv4Only);
        try
        {
            await internet.PrepareAsync(internet.Internet);
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
    public async Task<NatHome> AddNatHomeAsync(NatMapping mapping = NatMapping.EndpointIndependent)
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
        await PrepareAsync(router);
        await PrepareAsync(host);

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
        string masquerade = mapping == NatMapping.Symmetric ? "masquerade fully-random" : "masquerade";
        await router.ApplyNftablesAsync($$"""
            table ip confer_nat {
              chain postrouting { type nat hook postrouting priority srcnat; policy accept; oifname "wan" {{masquerade}}; }
            }
            table inet confer_guard {
              chain input { type filter hook input priority filter; policy accept; iifname "wan" ct state established,related accept; iifname "wan" drop; }
              chain forward { type filter hook forward priority filter; policy accept; iifname "wan" ct state established,related accept; iifname "wan" drop; }
            }
            """);
        return new NatHome(router, host, wan, routerLan, hostAddress);
    }

    /// <summary>
    /// Adds an office: a router without NAT (the host's address is routed, the internet namespace routes the office
    /// LAN back through the router) whose firewall lets out only TCP to <paramref name="allowedTcpPorts"/> on the
    /// internet and the replies to it. Every UDP packet and every other TCP connection is dropped, both ways.
    /// </summary>
    public async Task<NatHome> AddFirewalledOfficeAsync(params int[] allowedTcpPorts)
    {
        if (allowedTcpPorts.Length == 0) throw new ArgumentException("At least one TCP port must pass.", nameof(allowedTcpPorts));
        int index = ++_homes;
        if (index > 200) throw new InvalidOperationException("At most 200 networks.");
        string i = index.ToString(CultureInfo.InvariantCulture);
        var wan = IPAddress.Parse($"198.19.0.{(10 + index).ToString(CultureInfo.InvariantCulture)}");
        var routerLan = IPAddress.Parse($"198.18.{i}.1");
        var hostAddress = IPAddress.Parse($"198.18.{i}.2");

        var router = await NetworkNamespace.CreateAsync($"ort{i}");
        _made.Add(router);
        var host = await NetworkNamespace.CreateAsync($"o{i}");
        _made.Add(host);
        await PrepareAsync(router);
        await PrepareAsync(host);

        await router.IpAsync("link", "add", "wan", "type", "veth", "peer", "name", $"r{i}", "netns", Internet.Name);
        await Internet.IpAsync("link", "set", $"r{i}", "master", "br0");
        await Internet.IpAsync("link", "set", $"r{i}", "up");
        await router.IpAsync("addr", "add", $"{wan}/24", "dev", "wan");
        await router.IpAsync("link", "set", "wan", "up");
        await router.IpAsync("link", "add", "lan", "type", "veth", "peer", "name", "eth0", "netns", host.Name);
        await router.IpAsync("addr", "add", $"{routerLan}/24", "dev", "lan");
        await router.IpAsync("link", "set", "lan", "up");
        await host.IpAsync("addr", "add", $"{hostAddress}/24", "dev", "eth0");
        await host.IpAsync("link", "set", "eth0", "up");
        await host.IpAsync("route", "add", "198.19.0.0/24", "via", routerLan.ToString());
        // No NAT: the servers on the bridge reach the office host by its own address, through the router.
        await Internet.IpAsync("route", "add", $"198.18.{i}.0/24", "via", wan.ToString());

        await router.SetSysctlAsync("net/ipv4/ip_forward", "1");
        string ports = string.Join(", ", allowedTcpPorts.Select(p => p.ToString(CultureInfo.InvariantCulture)));
        await router.ApplyNftablesAsync($$"""
            table inet confer_office {
              chain forward {
                type filter hook forward priority filter; policy drop;
                ct state established,related accept;
                iifname "lan" oifname "wan" tcp dport { {{ports}} } ct state new accept;
              }
              chain input { type filter hook input priority filter; policy accept; iifname "wan" ct state established,related accept; iifname "wan" drop; }
            }
            """);
        return new NatHome(router, host, wan, routerLan, hostAddress);
    }

    /// <summary>
    /// Gives the internet bridge an IPv6 address too (a dual-stack server; use a ULA or 2001:db8:: address). Duplicate
    /// address detection is off so the address is usable at once.
    /// </summary>
    public async Task AddServerIpv6Async(IPAddress address)
    {
        foreach (var name in (string[])["all", "default", "br0"])
        {
            await Internet.SetSysctlAsync($"net/ipv6/conf/{name}/disable_ipv6", "0");
            await Internet.SetSysctlAsync($"net/ipv6/conf/{name}/accept_dad", "0");
        }
        await Internet.IpAsync("addr", "add", $"{address}/64", "dev", "br0", "nodad");
    }

    /// <summary>
    /// Adds a host with no IPv4 address at all, straight on the bridge with <paramref name="address"/> in the server's
    /// IPv6 /64 (call <see cref="AddServerIpv6Async"/> first). IPv6 is enabled before its link comes up and duplicate
    /// address detection is off, so no address changes after start (which a browser would see as a network change).
    /// </summary>
    public async Task<NetworkNamespace> AddIpv6OnlyHostAsync(IPAddress address)
    {
        int index = ++_homes;
        if (index > 200) throw new InvalidOperationException("At most 200 networks.");
        string i = index.ToString(CultureInfo.InvariantCulture);
        var host = await NetworkNamespace.CreateAsync($"six{i}");
        _made.Add(host);
        foreach (var name in (string[])["all", "default"])
        {
            await host.SetSysctlAsync($"net/ipv6/conf/{name}/disable_ipv6", "0");
            await host.SetSysctlAsync($"net/ipv6/conf/{name}/accept_dad", "0");
        }
        await host.IpAsync("link", "add", "eth0", "type", "veth", "peer", "name", $"r{i}", "netns", Internet.Name);
        await Internet.IpAsync("link", "set", $"r{i}", "master", "br0");
        await Internet.IpAsync("link", "set", $"r{i}", "up");
        await host.IpAsync("addr", "add", $"{address}/64", "dev", "eth0", "nodad");
        await host.IpAsync("link", "set", "eth0", "up");
        return host;
    }

    private async Task PrepareAsync(NetworkNamespace ns)
    {
        if (!_ipv4Only) return;
        await ns.SetSysctlAsync("net/ipv6/conf/all/disable_ipv6", "1");
        await ns.SetSysctlAsync("net/ipv6/conf/default/disable_ipv6", "1");
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = _made.Count - 1; i >= 0; i--) await _made[i].DisposeAsync();
        _made.Clear();
    }
}
