using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Confer.Server.Cli;
using Confer.Server.Hosting;
using Confer.Server.Tests.Cli;
using Confer.Stun;
using Confer.Stun.Attributes;
using Confer.Stun.Auth;

namespace Confer.Server.Tests.Hosting;

/// <summary>
/// Issue 13, item 2: <c>--dev</c> (known keys, open rooms) must not be reachable from other machines by default, and
/// TURN relays to loopback peers only when nothing but loopback can reach it.
/// </summary>
public sealed partial class DevExposureTests
{
    [Fact]
    public async Task Dev_NoBind_EveryListenerIsOnLoopback()
    {
        var options = new ServerOptions { Dev = true, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0 };
        Assert.False(options.BindGiven);
        await using var app = ConferHost.Build(options);
        await app.StartAsync();
        var http = ConferHost.HttpAddress(app);
        var turn = ConferHost.Turn(app);

        AssertLoopbackOnly(ListeningSockets.Tcp(http.Port), $"HTTP port {http.Port}");
        AssertLoopbackOnly(ListeningSockets.Tcp(turn.Port), $"TURN TCP port {turn.Port}");
        AssertLoopbackOnly(ListeningSockets.Udp(turn.Port), $"TURN UDP port {turn.Port}");
        Assert.NotNull(turn.Tls);
        AssertLoopbackOnly(ListeningSockets.Tcp(turn.Tls.Port), $"TURN TLS port {turn.Tls.Port}");
        await app.StopAsync();
    }

    [Fact]
    public async Task ServeDev_NoBind_ListensOnLoopbackOnlyAndSaysSo()
    {
        int port = FreeTcpPort();
        await using var serve = ServeProcess.Start(["--dev", "--http-port", port.ToString(), "--https-port", "0", "--turn-port", "0", "--turn-tls-port", "0"]);
        await serve.WaitListeningAsync(TimeSpan.FromSeconds(60));

        var http = ListeningSockets.Tcp(port);
        AssertLoopbackOnly(http, $"HTTP port {port}");
        Assert.Contains(IPAddress.Loopback, http);
        if (Socket.OSSupportsIPv6 && HasIPv6Loopback()) Assert.Contains(IPAddress.IPv6Loopback, http); // ::1 too, where it exists
        var turn = TurnLine().Match(serve.Stdout);
        Assert.True(turn.Success, serve.Stdout);
        Assert.Equal("127.0.0.1", turn.Groups[1].Value);
        AssertLoopbackOnly(ListeningSockets.Udp(int.Parse(turn.Groups[2].Value)), "TURN UDP");
        Assert.Contains("dev mode: listening on loopback only", serve.Stdout);
        Assert.Contains("other machines cannot reach this server", serve.Stdout);
        Assert.DoesNotContain("WARNING", serve.Stdout);
    }

    [Fact]
    public async Task ServeDev_BindAny_WarnsLoudly()
    {
        await using var serve = ServeProcess.Start(["--dev", "--bind", "0.0.0.0", "--http-port", "0", "--turn-port", "0", "--turn-tls-port", "0"]);
        await serve.WaitListeningAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("WARNING: dev mode on a network address (0.0.0.0)", serve.Stdout);
        Assert.Contains("TURN refuses loopback peers", serve.Stdout);
    }

    /// <summary>
    /// A loopback peer is a way into this host's localhost-only services: refused (403) when a listener is on a
    /// network address, unless the operator asked for it; allowed for a dev server nothing else can reach.
    /// </summary>
    [Theory]
    [InlineData("127.0.0.1", false, 200)]
    [InlineData("0.0.0.0", false, 403)]
    [InlineData("0.0.0.0", true, 200)]
    public async Task Dev_CreatePermissionToLoopback_AllowedOnlyWhenEveryListenerIsOnLoopback(string bind, bool allowLoopbackPeers, int expected)
    {
        var options = new ServerOptions
        {
            Dev = true, Bind = IPAddress.Parse(bind), HttpPort = 0, TurnPort = 0, TurnTlsPort = 0, AllowLoopbackPeers = allowLoopbackPeers,
        };
        options.TurnUsers.Add("alice:wonderland");
        await using var app = ConferHost.Build(options);
        await app.StartAsync();
        using var client = new LongTermClient(new IPEndPoint(IPAddress.Loopback, ConferHost.Turn(app).Port), "alice", "wonderland");

        Assert.Equal(200, await client.RequestAsync(StunMethod.Allocate, (ref StunMessageWriter w) => w.AddUInt32(StunAttributeType.RequestedTransport, 17u << 24)));
        var peer = new IPEndPoint(IPAddress.Loopback, 9);
        Assert.Equal(expected, await client.RequestAsync(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.AddXorAddress(StunAttributeType.XorPeerAddress, peer)));
        await app.StopAsync();
    }

    [Theory]
    [InlineData(true, null, null, false, true)]       // dev, default bind: loopback
    [InlineData(true, "127.0.0.1", null, false, true)]
    [InlineData(true, "::1", null, false, true)]
    [InlineData(true, "0.0.0.0", null, false, false)]  // dev on the network
    [InlineData(true, "192.0.2.10", null, false, false)]
    [InlineData(true, "127.0.0.1", "192.0.2.10", false, false)] // a relay address on the network is a listener too
    [InlineData(false, "127.0.0.1", null, false, false)] // not dev: only when asked
    [InlineData(false, "0.0.0.0", null, true, true)]   // asked for explicitly
    public void LoopbackPeersAllowed_FollowsEveryListener(bool dev, string? bind, string? relayIp, bool allow, bool expected)
    {
        var options = new ServerOptions { Dev = dev, AllowLoopbackPeers = allow };
        if (bind is not null) options.Bind = IPAddress.Parse(bind);
        if (relayIp is not null) options.RelayIP = IPAddress.Parse(relayIp);
        Assert.Equal(expected, options.LoopbackPeersAllowed);
    }

    [Fact]
    public void Bind_Default_IsLoopbackWithDevAndAnyWithout()
    {
        Assert.Equal(IPAddress.Loopback, new ServerOptions { Dev = true }.Bind);
        Assert.Equal(IPAddress.Any, new ServerOptions().Bind);
        Assert.Equal(IPAddress.Any, new ServerOptions { Dev = true, Bind = IPAddress.Any }.Bind);
    }

    [Fact]
    public void Banner_SaysWhoCanReachTheServer()
    {
        var local = string.Join("\n", ServeBanner.Exposure(new ServerOptions { Dev = true }));
        Assert.Contains("loopback only", local);
        Assert.DoesNotContain("WARNING", local);

        var open = string.Join("\n", ServeBanner.Exposure(new ServerOptions { Dev = true, Bind = IPAddress.Any }));
        Assert.Contains("WARNING: dev mode on a network address", open);
        Assert.Contains("refuses loopback peers", open);

        var relaying = string.Join("\n", ServeBanner.Exposure(new ServerOptions { AllowLoopbackPeers = true }));
        Assert.Contains("WARNING: --allow-loopback-peers on a network address", relaying);

        Assert.Empty(ServeBanner.Exposure(new ServerOptions()));
    }

    private static void AssertLoopbackOnly(List<IPAddress> addresses, string what)
    {
        Assert.True(addresses.Count > 0, $"nothing listens on {what}");
        Assert.All(addresses, a => Assert.True(IPAddress.IsLoopback(a), $"{what} listens on {a}, not loopback"));
    }

    private static bool HasIPv6Loopback()
    {
        try
        {
            using var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"STUN/TURN on udp\+tcp (\S+):(\d+)")]
    private static partial Regex TurnLine();
}
