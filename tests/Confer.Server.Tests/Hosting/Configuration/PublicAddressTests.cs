using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confer.Server.Hosting;
using Confer.Server.Hosting.Configuration;
using Confer.Server.Signaling;
using Confer.Server.Tests.Cli;
using Confer.Signaling.Auth;
using Microsoft.AspNetCore.Builder;

namespace Confer.Server.Tests.Hosting.Configuration;

/// <summary>
/// The public address: discovered with a real STUN Binding against a second Confer on loopback, bounded when nobody
/// answers, used by ICE server URLs and TURN, and the warning when what would be advertised is not reachable from outside.
/// </summary>
public sealed class PublicAddressTests
{
    private static WebApplication StunServer() => ConferHost.Build(new ServerOptions
    {
        Dev = true, Bind = IPAddress.Loopback, HttpPort = 0, TurnPort = 0, TurnTlsPort = 0,
    });

    [Fact]
    public async Task Discovery_AgainstARealConferStunServer_GivesTheMappedAddress()
    {
        await using var stun = StunServer();
        await stun.StartAsync();
        var server = ConferHost.Turn(stun).Primary;
        var (address, failure) = await PublicAddressDiscovery.DiscoverAsync($"127.0.0.1:{server.Port}", IPAddress.Loopback, CancellationToken.None);
        Assert.Null(failure);
        Assert.Equal(IPAddress.Loopback, address);
        // A host name resolves first ("localhost" is 127.0.0.1 and maybe ::1: the bind address's family is taken).
        (address, failure) = await PublicAddressDiscovery.DiscoverAsync($"localhost:{server.Port}", IPAddress.Loopback, CancellationToken.None);
        Assert.Equal(IPAddress.Loopback, address);
    }

    [Fact]
    public async Task Discovery_NoAnswer_FailsWithinTwoTries()
    {
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)); // receives, never answers
        int port = ((IPEndPoint)silent.Client.LocalEndPoint!).Port;
        var clock = Stopwatch.StartNew();
        var (address, failure) = await PublicAddressDiscovery.DiscoverAsync($"127.0.0.1:{port}", IPAddress.Loopback, CancellationToken.None);
        Assert.Null(address);
        Assert.Equal($"no answer from 127.0.0.1:{port} within 1.5 s, twice", failure);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2.9), TimeSpan.FromSeconds(10));
        // Both tries reached the server: two Binding requests.
        Assert.True(silent.Available > 0);
        await silent.ReceiveAsync();
        await silent.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(1));
    }

    [Theory]
    [InlineData("stun.example.org:3479", "stun.example.org", 3479)]
    [InlineData("stun.example.org", "stun.example.org", 3478)]
    [InlineData("[2001:db8::1]:5000", "2001:db8::1", 5000)]
    [InlineData("2001:db8::1", "2001:db8::1", 3478)]
    [InlineData("192.0.2.1:19302", "192.0.2.1", 19302)]
    public void StunServer_Parses(string text, string host, int port) => Assert.Equal((host, port), PublicAddressDiscovery.ParseServer(text));

    [Theory]
    [InlineData("stun.example.org:")]
    [InlineData("stun.example.org:99999")]
    [InlineData("[::1")]
    [InlineData("")]
    public void StunServer_Malformed_IsNull(string text) => Assert.Null(PublicAddressDiscovery.ParseServer(text));

    [Fact]
    public async Task Serve_WithAStunServer_LearnsItsPublicAddress_AndWarnsWhenItCannot()
    {
        await using var stun = StunServer();
        await stun.StartAsync();
        var endpoint = ConferHost.Turn(stun).Primary;
        await using (var serve = ServeProcess.Start(["--dev", "--bind", "127.0.0.1", "--http-port", "0", "--turn-port", "0", "--turn-tls-port", "0",
            "--public-ip-stun", $"127.0.0.1:{endpoint.Port}"]))
        {
            await serve.WaitListeningAsync(TimeSpan.FromSeconds(60));
            Assert.Contains($"confer: public address 127.0.0.1 (from STUN server 127.0.0.1:{endpoint.Port})", serve.Stdout);
        }

        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)silent.Client.LocalEndPoint!).Port;
        await using (var serve = ServeProcess.Start(["--dev", "--bind", "127.0.0.1", "--http-port", "0", "--turn-port", "0", "--turn-tls-port", "0"],
            new Dictionary<string, string> { ["CONFER_PublicIp__StunServer"] = $"127.0.0.1:{port}" }))
        {
            await serve.WaitListeningAsync(TimeSpan.FromSeconds(60));
            Assert.Contains($"confer: WARNING: the public address could not be learned from STUN server 127.0.0.1:{port} (no answer from 127.0.0.1:{port} " +
                "within 1.5 s, twice); clients get the local address instead. Set --public-ip to be sure.", serve.Stdout);
        }
    }

    [Fact]
    public void PublicIp_GoesToTurn_AndToTheIceServerUrls()
    {
        var options = new ServerOptions { Bind = IPAddress.Loopback, TurnSecret = new string('s', 40) };
        options.PublicIp = options.PublicIp.With(IPAddress.Parse("203.0.113.9")).With(IPAddress.Parse("2001:db8::9"));
        var turn = Confer.Server.Turn.TurnHosting.CreateTurnOptions(options);
        Assert.Equal(IPAddress.Loopback, turn.RelayAddress); // the relay still binds locally
        Assert.Equal(IPAddress.Parse("203.0.113.9"), turn.AdvertisedRelayAddress);
        Assert.Equal(IPAddress.Parse("2001:db8::9"), turn.AdvertisedRelayAddressV6);

        var token = new AccessToken("k", "alice", null, null, null, DateTimeOffset.UtcNow.AddHours(1), new VideoGrant { Room = "r", RoomJoin = true });
        var servers = new IceServerFactory(options).Create("127.0.0.1:7880", token);
        Assert.Equal("stun:203.0.113.9:3478", servers[0].Urls[0]);
        Assert.All(servers[1].Urls, url => Assert.Contains("203.0.113.9", url));

        options.Signaling.PublicHost = "meet.example.org"; // an explicit host name still wins
        Assert.Equal("stun:meet.example.org:3478", new IceServerFactory(options).Create(null, token)[0].Urls[0]);
    }

    [Theory]
    [InlineData("0.0.0.0", "10.1.2.3", "10.1.2.3 as its address (relayed addresses, ICE servers), a private address that machines outside this network cannot reach")]
    [InlineData("0.0.0.0", "192.168.1.20", "a private address")]
    [InlineData("0.0.0.0", "100.64.0.7", "a private address")]
    [InlineData("0.0.0.0", "169.254.3.4", "a link-local address that only this network segment reaches")]
    [InlineData("0.0.0.0", "127.0.0.1", "a loopback address that only this machine reaches")]
    [InlineData("::", "fd00::5", "a private address")]
    [InlineData("::", "fe80::5", "a link-local address")]
    public void AllInterfaces_AdvertisingALocalAddress_Warns(string bind, string advertised, string expected)
    {
        var options = new ServerOptions { Bind = IPAddress.Parse(bind), RelayIP = IPAddress.Parse(advertised) };
        if (IPAddress.Parse(advertised).AddressFamily == AddressFamily.InterNetworkV6) options.PublicIp = PublicAddresses.None.With(IPAddress.Parse(advertised));
        var warning = AdvertisedAddress.Warning(options);
        Assert.NotNull(warning);
        Assert.StartsWith("confer: WARNING: Confer listens on all interfaces but would give clients ", warning);
        Assert.Contains(expected, warning);
        Assert.EndsWith("; if clients come from elsewhere, set --public-ip (PublicIp:Address) or PublicIp:StunServer.", warning);
    }

    [Theory]
    [InlineData("0.0.0.0", "203.0.113.9", null)]      // a public address: nothing to say
    [InlineData("10.1.2.3", null, "10.1.2.3")]        // bound to one address on purpose: the operator chose it
    [InlineData("0.0.0.0", "203.0.113.9", "10.0.0.5")] // behind 1:1 NAT with --public-ip: the public one is advertised
    public void NoWarning_WhenTheAdvertisedAddressIsPublic_OrTheBindIsExplicit(string bind, string? publicIp, string? relay)
    {
        var options = new ServerOptions { Bind = IPAddress.Parse(bind) };
        if (relay is not null) options.RelayIP = IPAddress.Parse(relay);
        if (publicIp is not null) options.PublicIp = PublicAddresses.None.With(IPAddress.Parse(publicIp));
        Assert.Null(AdvertisedAddress.Warning(options));
    }
}
